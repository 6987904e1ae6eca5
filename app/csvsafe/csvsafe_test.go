package csvsafe

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "",
		"Nguyễn Văn Đức":             "Nguyễn Văn Đức",
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+1":                         "'+1",
		"-2":                         "'-2",
		"-2+3":                       "'-2+3",
		"@SUM(A1:A2)":                "'@SUM(A1:A2)",
		"\t=1+1":                     "'\t=1+1",
		"\r=1+1":                     "'\r=1+1",
		"\n=1+1":                     "'\n=1+1",
		"  =1+1":                     "'  =1+1",
		"+84912345678":               "+84912345678", // E.164, written by the application
		"+0912345678":                "'+0912345678",
		"+84 912 345 678":            "'+84 912 345 678",
		"a=b":                        "a=b",
		"2026-03-10 09:00":           "2026-03-10 09:00",
		"=cmd|' /C calc'!A0":         "'=cmd|' /C calc'!A0",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Comma = ';'
	w.UseCRLF = true
	if err := w.WriteStrings([]string{"name", "=1+1"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]any{"-5", -5, 2.5, nil, "+84912345678"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, BOM) || !strings.HasSuffix(out, "\r\n") {
		t.Fatalf("output %q: no BOM or no CRLF", out)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, BOM)))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"name", "'=1+1"}, {"'-5", "-5", "2.5", "", "+84912345678"}}
	if len(recs) != 2 || strings.Join(recs[0], "|") != strings.Join(want[0], "|") || strings.Join(recs[1], "|") != strings.Join(want[1], "|") {
		t.Errorf("rows = %q, want %q", recs, want)
	}
}
