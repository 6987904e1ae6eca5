package locale

import (
	"testing"
	"time"

	lantern "github.com/lantern-ngo/lantern"
)

func BenchmarkTranslate(b *testing.B) {
	bundle, err := Load(lantern.Assets, "locales")
	if err != nil {
		b.Fatal(err)
	}
	t := bundle.For("vi")
	now := time.Now()
	b.Run("T", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			t.T("kind.film_debate")
		}
	})
	b.Run("TN", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			t.TN("event.seats_left", 12)
		}
	})
	b.Run("DateFull", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			t.DateFull(now)
		}
	})
}
