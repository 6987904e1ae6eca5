// Package dhis2 sends Lantern's indicators to a DHIS2 instance (issue 19):
// the HTTP client configured from the environment (DHIS2_URL, and
// DHIS2_TOKEN or DHIS2_USERNAME/DHIS2_PASSWORD), the mapping of indicators,
// sex × age cells and cities to DHIS2's data elements, category option
// combos and organisation units, the dataValueSets payload built from
// report's figures, and the record of every push. It never imports Fiber.
package dhis2

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
)

// Settings say where DHIS2 is and how to sign in: an API token (sent as
// "Authorization: ApiToken <token>") or else a user name and password
// (basic auth).
type Settings struct {
	URL      string
	Token    string
	Username string
	Password string
	// HTTP replaces the HTTP client (tests); nil: one with Timeout.
	HTTP    *http.Client
	Timeout time.Duration
}

// Client talks to DHIS2's Web API.
type Client struct {
	s  Settings
	hc *http.Client
}

// NewClient returns a client; a client without a URL is not configured
// and refuses every call (error.dhis2.not_configured).
func NewClient(s Settings) *Client {
	s.URL = strings.TrimRight(strings.TrimSpace(s.URL), "/")
	hc := s.HTTP
	if hc == nil {
		t := s.Timeout
		if t == 0 {
			t = 60 * time.Second
		}
		hc = &http.Client{Timeout: t}
	}
	return &Client{s: s, hc: hc}
}

// Configured tells whether DHIS2_URL and a way to sign in are set.
func (c *Client) Configured() bool {
	return c != nil && c.s.URL != "" && (c.s.Token != "" || c.s.Username != "")
}

// URL is the instance's address ("" when not configured).
func (c *Client) URL() string {
	if c == nil {
		return ""
	}
	return c.s.URL
}

// Errors, each a translation key.
var (
	errNotConfigured = apperr.New(apperr.Unavailable, "error.dhis2.not_configured")
	errUnauthorized  = apperr.New(apperr.Unavailable, "error.dhis2.unauthorized")
	errConflict      = apperr.New(apperr.Unavailable, "error.dhis2.conflict")
	errServer        = apperr.New(apperr.Unavailable, "error.dhis2.server")
	errUnreachable   = apperr.New(apperr.Unavailable, "error.dhis2.unreachable")
	errBadResponse   = apperr.New(apperr.Unavailable, "error.dhis2.bad_response")
)

// do sends a request and returns the body of a 2xx answer. A 409 returns
// its body too, with errConflict: DHIS2 answers a refused import with its
// summary.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any) ([]byte, error) {
	if !c.Configured() {
		return nil, errNotConfigured
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	u := c.s.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, "error.dhis2.unreachable", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.s.Token != "" {
		req.Header.Set("Authorization", "ApiToken "+c.s.Token)
	} else {
		req.SetBasicAuth(c.s.Username, c.s.Password)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, "error.dhis2.unreachable", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, "error.dhis2.unreachable", err)
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return b, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, errUnauthorized
	case resp.StatusCode == http.StatusConflict:
		return b, errConflict
	case resp.StatusCode >= 500:
		return nil, apperr.Wrap(apperr.Unavailable, "error.dhis2.server", fmt.Errorf("DHIS2 %s %s: %s", method, path, resp.Status))
	}
	return nil, apperr.Wrap(apperr.Unavailable, "error.dhis2.bad_response", fmt.Errorf("DHIS2 %s %s: %s", method, path, resp.Status))
}

// Option is a DHIS2 object offered on the mapping screen.
type Option struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PeriodType string `json:"periodType,omitempty"`
}

// Metadata is what the mapping screen offers, read from DHIS2.
type Metadata struct {
	DataSets             []Option
	DataElements         []Option
	CategoryOptionCombos []Option
	OrganisationUnits    []Option
}

// Find returns an object by id among options (nil when absent).
func Find(opts []Option, id string) *Option {
	for i := range opts {
		if opts[i].ID == id {
			return &opts[i]
		}
	}
	return nil
}

// Metadata reads the data sets, data elements, category option combos and
// organisation units (GET /api/<type>?fields=id,name&paging=false).
func (c *Client) Metadata(ctx context.Context) (*Metadata, error) {
	// The screen waits for these: a DHIS2 that does not answer must not
	// hold it for the push's timeout.
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	m := &Metadata{}
	for _, r := range []struct {
		kind, fields string
		into         *[]Option
	}{
		{"dataSets", "id,name,periodType", &m.DataSets},
		{"dataElements", "id,name", &m.DataElements},
		{"categoryOptionCombos", "id,name", &m.CategoryOptionCombos},
		{"organisationUnits", "id,name", &m.OrganisationUnits},
	} {
		b, err := c.do(ctx, http.MethodGet, "/api/"+r.kind, url.Values{"fields": {r.fields}, "paging": {"false"}}, nil)
		if err != nil {
			if errors.Is(err, errConflict) {
				return nil, errBadResponse
			}
			return nil, err
		}
		var page map[string]json.RawMessage
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, apperr.Wrap(apperr.Unavailable, "error.dhis2.bad_response", err)
		}
		if err := json.Unmarshal(page[r.kind], r.into); err != nil && page[r.kind] != nil {
			return nil, apperr.Wrap(apperr.Unavailable, "error.dhis2.bad_response", err)
		}
	}
	return m, nil
}

// PushValues posts a payload to /api/dataValueSets with
// importStrategy=CREATE_AND_UPDATE (a period sent again updates its
// values rather than adding to them) and reads DHIS2's import summary. A
// 409 returns the summary DHIS2 sent, if any, with the error.
func (c *Client) PushValues(ctx context.Context, p *Payload) (*Summary, error) {
	b, err := c.do(ctx, http.MethodPost, "/api/dataValueSets", url.Values{"importStrategy": {"CREATE_AND_UPDATE"}}, p)
	if err != nil && !errors.Is(err, errConflict) {
		return nil, err
	}
	s, perr := ParseSummary(b)
	if err != nil {
		if perr != nil {
			return nil, err
		}
		return s, err
	}
	if perr != nil {
		return nil, perr
	}
	return s, nil
}
