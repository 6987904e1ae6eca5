package dhis2

import (
	"encoding/json"
	"strings"

	"github.com/lantern-ngo/lantern/app/apperr"
)

// Counts are an import's counts.
type Counts struct {
	Imported int `json:"imported"`
	Updated  int `json:"updated"`
	Ignored  int `json:"ignored"`
	Deleted  int `json:"deleted"`
}

// Conflict is a value DHIS2 refused, with its reason.
type Conflict struct {
	Object    string `json:"object"`
	Value     string `json:"value"`
	ErrorCode string `json:"errorCode,omitempty"`
}

// Summary is DHIS2's answer to a data value set import.
type Summary struct {
	// Status: SUCCESS, WARNING or ERROR (ImportSummary), or OK, WARNING,
	// ERROR (WebMessage).
	Status      string     `json:"status"`
	Description string     `json:"description,omitempty"`
	Counts      Counts     `json:"importCount"`
	Conflicts   []Conflict `json:"conflicts,omitempty"`
}

// OK tells whether DHIS2 took everything.
func (s *Summary) OK() bool {
	st := strings.ToUpper(s.Status)
	return (st == "SUCCESS" || st == "OK") && len(s.Conflicts) == 0
}

type rawSummary struct {
	ResponseType string      `json:"responseType"`
	Status       string      `json:"status"`
	Description  string      `json:"description"`
	Message      string      `json:"message"`
	ImportCount  *Counts     `json:"importCount"`
	Conflicts    []Conflict  `json:"conflicts"`
	Response     *rawSummary `json:"response"`
}

// ParseSummary reads both shapes DHIS2 answers with: the ImportSummary at
// the top level (before 2.38), and the WebMessage
// {"httpStatus":…,"status":…,"response":{"importCount":…,"conflicts":[…]}}
// (2.38 and later).
func ParseSummary(b []byte) (*Summary, error) {
	var r rawSummary
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, "error.dhis2.bad_response", err)
	}
	inner := &r
	if r.ImportCount == nil && r.Response != nil {
		inner = r.Response
	}
	if inner.ImportCount == nil {
		return nil, apperr.New(apperr.Unavailable, "error.dhis2.bad_response")
	}
	s := &Summary{Status: inner.Status, Description: inner.Description, Counts: *inner.ImportCount, Conflicts: inner.Conflicts}
	if inner != &r {
		// The WebMessage's status (OK, WARNING, ERROR) says it as a whole.
		if r.Status != "" && !strings.EqualFold(r.Status, "OK") {
			s.Status = r.Status
		}
		if s.Description == "" {
			s.Description = r.Message
		}
	}
	return s, nil
}
