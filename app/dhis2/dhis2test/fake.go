// Package dhis2test is a fake DHIS2 for tests, started by the tests on the
// loopback interface (httptest): the metadata reads, POST
// /api/dataValueSets answering with documented import summaries, the
// sign-in checked, the values stored so that a period sent again is
// "updated", not "imported" again. Lantern never reaches the internet in
// tests.
package dhis2test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Metadata ids of the fake instance (11 characters, like DHIS2's uids).
const (
	DataSet          = "LanternDS01"
	DEPeopleReached  = "DEpeopleRch"
	DEAuthority      = "DEauthority"
	DEEventsHeld     = "DEeventsHld"
	DEFilmEvents     = "DEfilmEvent"
	DEQuizSessions   = "DEquizSessn"
	COCDefault       = "HllvX50cXC0" // DHIS2's default category option combo
	OUHoChiMinh      = "OUhochiminh"
	OUPhanThiet      = "OUphanthiet"
	Token            = "d2pat_test_token_0123456789"
	Username         = "lantern"
	Password         = "district"
	ShapeImport      = "import"     // the ImportSummary at the top level (before 2.38)
	ShapeWebMessage  = "webmessage" // {"status":…,"response":{…}} (2.38 and later)
	unknownConflicts = "E7610"
)

// COC returns the fake category option combo id of a sex × age cell
// ("female:under_16") or of report's NotRecorded.
func COC(key string) string {
	h := 0
	for _, r := range key {
		h = h*31 + int(r)
	}
	return fmt.Sprintf("COC%08d", uint32(h)%100000000)
}

// Server is the fake DHIS2.
type Server struct {
	*httptest.Server
	mu sync.Mutex
	// Shape is how imports are answered (ShapeWebMessage by default).
	Shape string
	// Fail, when set, is the status every request gets (401, 500, …).
	Fail int
	// Values are what DHIS2 holds: "de/coc/ou/period" → value.
	Values map[string]string
	// Posts counts the imports received.
	Posts int
	// COCs are the category option combos it knows (name by id).
	COCs map[string]string
}

// New starts a fake DHIS2; it stops with the test.
func New(t interface{ Cleanup(func()) }, cocKeys []string) *Server {
	s := &Server{Shape: ShapeWebMessage, Values: map[string]string{}, COCs: map[string]string{COCDefault: "default"}}
	for _, k := range cocKeys {
		s.COCs[COC(k)] = k
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) authorised(r *http.Request) bool {
	if r.Header.Get("Authorization") == "ApiToken "+Token {
		return true
	}
	u, p, ok := r.BasicAuth()
	return ok && u == Username && p == Password
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type option struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PeriodType string `json:"periodType,omitempty"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != 0 {
		writeJSON(w, s.Fail, map[string]any{"httpStatus": http.StatusText(s.Fail), "httpStatusCode": s.Fail, "status": "ERROR", "message": "fake failure"})
		return
	}
	if !s.authorised(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"httpStatus": "Unauthorized", "httpStatusCode": 401, "status": "ERROR", "message": "Unauthorized"})
		return
	}
	if r.Method == http.MethodGet && r.URL.Query().Get("paging") != "false" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": "ERROR", "message": "the fake only answers paging=false"})
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/dataSets":
		writeJSON(w, 200, map[string]any{"dataSets": []option{{ID: DataSet, Name: "Lantern programme", PeriodType: "Monthly"}}})
	case r.Method == http.MethodGet && r.URL.Path == "/api/dataElements":
		writeJSON(w, 200, map[string]any{"dataElements": []option{
			{ID: DEPeopleReached, Name: "LT People reached"}, {ID: DEAuthority, Name: "LT Authority participants"},
			{ID: DEEventsHeld, Name: "LT Events held"}, {ID: DEFilmEvents, Name: "LT Film-debate events"},
			{ID: DEQuizSessions, Name: "LT Sessions with both quizzes"}}})
	case r.Method == http.MethodGet && r.URL.Path == "/api/categoryOptionCombos":
		var out []option
		for id, name := range s.COCs {
			out = append(out, option{ID: id, Name: name})
		}
		writeJSON(w, 200, map[string]any{"categoryOptionCombos": out})
	case r.Method == http.MethodGet && r.URL.Path == "/api/organisationUnits":
		writeJSON(w, 200, map[string]any{"organisationUnits": []option{{ID: OUHoChiMinh, Name: "Hồ Chí Minh"}, {ID: OUPhanThiet, Name: "Phan Thiết"}}})
	case r.Method == http.MethodPost && r.URL.Path == "/api/dataValueSets":
		s.importValues(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"status": "ERROR", "message": "not found"})
	}
}

type conflict struct {
	Object    string `json:"object"`
	Value     string `json:"value"`
	ErrorCode string `json:"errorCode"`
}

func (s *Server) importValues(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("importStrategy") != "CREATE_AND_UPDATE" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": "ERROR", "message": "importStrategy"})
		return
	}
	var body struct {
		DataSet    string `json:"dataSet"`
		Period     string `json:"period"`
		DataValues []struct {
			DataElement, CategoryOptionCombo, OrgUnit, Period, Value string
		} `json:"dataValues"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": "ERROR", "message": err.Error()})
		return
	}
	s.Posts++
	count := map[string]int{"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}
	conflicts := []conflict{}
	for _, v := range body.DataValues {
		if _, ok := s.COCs[v.CategoryOptionCombo]; !ok {
			count["ignored"]++
			conflicts = append(conflicts, conflict{Object: v.CategoryOptionCombo, Value: "Category option combo not found or not accessible", ErrorCode: unknownConflicts})
			continue
		}
		k := v.DataElement + "/" + v.CategoryOptionCombo + "/" + v.OrgUnit + "/" + v.Period
		if _, ok := s.Values[k]; ok {
			count["updated"]++
		} else {
			count["imported"]++
		}
		s.Values[k] = v.Value
	}
	status := "SUCCESS"
	if len(conflicts) > 0 {
		status = "WARNING"
	}
	summary := map[string]any{"responseType": "ImportSummary", "status": status, "importOptions": map[string]any{"importStrategy": "CREATE_AND_UPDATE"},
		"description": "Import process completed successfully", "importCount": count, "conflicts": conflicts, "dataSetComplete": "false"}
	if s.Shape == ShapeImport {
		writeJSON(w, http.StatusOK, summary)
		return
	}
	code, web := http.StatusOK, "OK"
	if len(conflicts) > 0 {
		// 2.38+: conflicts make the WebMessage a 409 with status WARNING.
		code, web = http.StatusConflict, "WARNING"
	}
	writeJSON(w, code, map[string]any{"httpStatus": http.StatusText(code), "httpStatusCode": code, "status": web,
		"message": "One more conflicts encountered, please check import summary.", "response": summary})
}

// Value is what DHIS2 holds for a data element, combo, unit and period.
func (s *Server) Value(de, coc, ou, period string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.Values[de+"/"+coc+"/"+ou+"/"+period]
	return v, ok
}

// SetFail makes every request answer status (0: normal again).
func (s *Server) SetFail(status int) {
	s.mu.Lock()
	s.Fail = status
	s.mu.Unlock()
}

// SetShape chooses how imports are answered.
func (s *Server) SetShape(shape string) {
	s.mu.Lock()
	s.Shape = shape
	s.mu.Unlock()
}

// ForgetCOC makes a category option combo unknown (its values conflict).
func (s *Server) ForgetCOC(id string) {
	s.mu.Lock()
	delete(s.COCs, id)
	s.mu.Unlock()
}
