package seed

import (
	"math/rand/v2"

	"github.com/lantern-ngo/lantern/app/registration"
)

// Vietnamese names carry their sex in the middle name ("Thị" is a woman's,
// "Văn" a man's) and often in the given name: the demo's people get names
// that fit the sex they are recorded with (issue 16: made-up "Thị" names
// were marked male).
var (
	womenMiddle = []string{"Thị", "Thị", "Ngọc", "Thu", "Kim", "Mỹ", "Thanh"}
	menMiddle   = []string{"Văn", "Văn", "Minh", "Quang", "Đức", "Hữu", "Công"}
	womenGiven  = []string{"Hoa", "Lan", "Mai", "Hương", "Trang", "Linh", "Thảo", "Ngân", "Vy", "Hạnh", "Yến", "Nhung", "Hà", "Giang"}
	menGiven    = []string{"Nam", "Hùng", "Dũng", "Tuấn", "Long", "Phúc", "Khoa", "Bảo", "Hải", "Sơn", "Thắng", "Quân", "Bình", "Đạt"}
)

// demoPerson makes up a participant who fits their role: a name that fits
// their sex, and an age that fits what they are there as (a youth is 16 to
// 24, a parent 25 to 59 or a grandparent, a professional an adult).
func demoPerson(rng *rand.Rand, role string) (name, sex, ageBand string) {
	sex = registration.Sexes[rng.IntN(2)]
	middle, given := menMiddle, menGiven
	if sex == "female" {
		middle, given = womenMiddle, womenGiven
	}
	name = familyNames[rng.IntN(len(familyNames))] + " " + middle[rng.IntN(len(middle))] + " " + given[rng.IntN(len(given))]
	x := rng.Float64()
	switch role {
	case "youth":
		ageBand = "18_24"
		if x < 0.4 {
			ageBand = "16_17"
		}
	case "parent":
		ageBand = "25_59"
		if x < 0.12 {
			ageBand = "60_plus" // grandparents who raise the children
		}
	default: // professionals
		ageBand = "25_59"
		switch {
		case x < 0.1:
			ageBand = "18_24"
		case x > 0.95:
			ageBand = "60_plus"
		}
	}
	return name, sex, ageBand
}
