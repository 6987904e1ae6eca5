// Package rating is issue 15's "one tap after the session": after a session,
// each adult who attended with a phone number receives a rating request
// (a Zalo template where one is approved, else an SMS with a short link);
// the link opens a one-question page (1 to 5 stars and an optional
// comment). This package owns the rules, the queries and the transactions;
// the figures filtered like the other indicators are in app/report.
package rating

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// KindRequest is the outbox kind of a rating request: a service message
// (about a session the person attended), held through the night like the
// others (message.Class).
const KindRequest = "rating_request"

// Timing of a request and of its page, from the session's end.
const (
	// SendAfter: people have left the venue and reached home.
	SendAfter = time.Hour
	// SendUntil: a request later than this is about a session people have
	// half forgotten; a job that was down longer sends none.
	SendUntil = 72 * time.Hour
	// OpenFor: the page takes answers this long after the session's end.
	OpenFor = 30 * 24 * time.Hour
)

// Stars bounds and the comment's length (in characters, after cleaning).
const (
	MinStars   = 1
	MaxStars   = 5
	CommentMax = 500
)

// Rating is one request and, once answered, its answer: one per
// registration.
type Rating struct {
	ID             uint
	EventID        uint
	RegistrationID uint
	TokenHash      string
	Stars          *int
	Comment        string
	RequestedAt    time.Time
	RatedAt        *time.Time
	// RatingSource is where the answer came from (SourceLink, SourceZalo).
	RatingSource string
}

// TableName keeps GORM on the migrated table (m0094).
func (Rating) TableName() string { return "session_ratings" }

// newToken returns a random link secret (160 bits, lowercase base32, 32
// characters) and the hash kept in the database.
func newToken() (token, hash string) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	token = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(token))))
	return hex.EncodeToString(sum[:])
}

// plausibleToken rejects, before any query, what cannot be a token.
func plausibleToken(token string) bool {
	token = strings.TrimSpace(token)
	return len(token) >= 16 && len(token) <= 64
}

// Input is an answer as typed: the stars as sent by the radio buttons and
// the comment.
type Input struct {
	Stars   string
	Comment string
}

// Check cleans the comment and reads the stars; it returns every problem at
// once, each naming its field.
func (in *Input) Check() (stars int, err error) {
	var fe apperr.FieldList
	in.Comment = textnorm.CleanText(in.Comment)
	stars, convErr := strconv.Atoi(strings.TrimSpace(in.Stars))
	if convErr != nil || stars < MinStars || stars > MaxStars {
		fe.Add("stars", "error.rating.stars", nil)
	}
	if utf8.RuneCountInString(in.Comment) > CommentMax {
		fe.Add("comment", "error.rating.comment_long", map[string]any{"Max": CommentMax})
	}
	return stars, fe.Err()
}
