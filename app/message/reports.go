package message

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
)

// A brandname SMS gateway accepts a message (the 2xx that HTTPDriver reads
// as "sent") long before a handset has it, and operators give no receipt
// of their own; gateways that learn the outcome post it back. Report is one
// such outcome, in the shape docs/MESSAGING.md gives gateways:
//
//	POST /api/v1/sms/reports
//	Authorization: Bearer SMS_INBOUND_TOKEN
//	{"reports": [{"id": "lantern-sms-42", "provider_id": "gw-9f2", "status": "delivered", "at": "2026-12-07T10:00:03Z"}]}
//
// id is the key HTTPDriver sent with the message; provider_id the id the
// gateway answered with. Either finds the message.
type Report struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	Status     string `json:"status"`
	Error      string `json:"error"`
	At         string `json:"at"`
}

// Report statuses. Anything but delivered is a failure to deliver.
const (
	ReportDelivered = "delivered"
	ReportFailed    = "failed"
	ReportExpired   = "expired"
	ReportRejected  = "rejected"
)

// ReportsMax is how many reports one call may carry.
const ReportsMax = 500

// CheckReports refuses a call whose reports cannot be applied, naming each
// one's problem at once.
func CheckReports(reports []Report) error {
	var fe apperr.FieldList
	if len(reports) == 0 || len(reports) > ReportsMax {
		fe.Add("reports", "error.sms_report.count", map[string]any{"Max": ReportsMax})
	}
	for i, r := range reports {
		field := "reports[" + strconv.Itoa(i) + "]"
		switch {
		case r.ID == "" && r.ProviderID == "":
			fe.Add(field, "error.sms_report.no_id", nil)
		case r.Status != ReportDelivered && r.Status != ReportFailed && r.Status != ReportExpired && r.Status != ReportRejected:
			fe.Add(field, "error.sms_report.status", nil)
		case r.At != "":
			if _, err := time.Parse(time.RFC3339, r.At); err != nil {
				fe.Add(field, "error.sms_report.at", nil)
			}
		}
	}
	return fe.Err()
}

// ApplyReports records the gateway's reports on the SMS they name and
// tells how many it knew. A delivered message gets its delivery time (the
// first report wins, a repeated one changes nothing); a message the network
// could not deliver is failed with the gateway's reason, once, and is not
// sent again (the gateway took it: a second copy could arrive later). A
// report on a message that was already delivered changes nothing.
func ApplyReports(ctx context.Context, db *gorm.DB, reports []Report, now time.Time) (int, error) {
	if err := CheckReports(reports); err != nil {
		return 0, err
	}
	known := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, r := range reports {
			q := tx.Model(&Message{}).Where("channel = ? AND status = ? AND delivered_at IS NULL", ChannelSMS, StatusSent)
			if id, ok := strings.CutPrefix(r.ID, "lantern-sms-"); ok {
				n, err := strconv.ParseUint(id, 10, 63)
				if err != nil {
					continue // not one of ours
				}
				q = q.Where("id = ?", n)
			} else {
				pid := r.ProviderID
				if pid == "" {
					pid = r.ID // a gateway that names its own id "id"
				}
				if pid == "" {
					continue
				}
				q = q.Where("provider_id = ?", pid)
			}
			at := now.UTC()
			if t, err := time.Parse(time.RFC3339, r.At); err == nil && !t.After(now) {
				at = t.UTC()
			}
			var res *gorm.DB
			if r.Status == ReportDelivered {
				res = q.Update("delivered_at", at)
			} else {
				reason := "not delivered (" + r.Status + ")"
				if e := strings.TrimSpace(r.Error); e != "" {
					reason += ": " + e
				}
				if len(reason) > 300 {
					reason = reason[:300]
				}
				res = q.Updates(map[string]any{"status": StatusFailed, "last_error": reason})
			}
			if res.Error != nil {
				return res.Error
			}
			known += int(res.RowsAffected)
		}
		return nil
	})
	return known, err
}
