package seed

import (
	"fmt"
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

// The made-up people of the demo sessions in PEGASE's other countries:
// names as people write them there, by sex.
var demoNames = map[string][2][]string{ // country → women, men
	"KH": {{"សុខ ស្រីនាង", "ចាន់ សុភា", "ហេង ធីតា", "គឹម សុខា", "លី ចន្ទា"}, {"សុខ ដារ៉ា", "ចាន់ វិចិត្រ", "ហេង សំណាង", "គឹម ពិសិដ្ឋ", "លី វណ្ណា"}},
	"LA": {{"ນາງ ຄຳແພງ ພົມມະຈັນ", "ນາງ ມະນີວອນ ສີສຸວັນ", "ນາງ ບົວພັນ ແສງສະຫວ່າງ"}, {"ທ້າວ ສົມສັກ ພົມມະຈັນ", "ທ້າວ ບຸນມີ ສີສຸວັນ", "ທ້າວ ຄຳຫຼ້າ ວົງສາ"}},
	"PH": {{"Maria Santos", "Ana Reyes", "Josefina Cruz", "Liza Bautista", "Grace Mendoza"}, {"Jose Garcia", "Juan dela Cruz", "Mark Villanueva", "Paolo Ramos", "Carlo Aquino"}},
}

// demoPersonIn is demoPerson for a session's country.
func demoPersonIn(rng *rand.Rand, country, role string) (name, sex, ageBand string) {
	name, sex, ageBand = demoPerson(rng, role)
	if names, ok := demoNames[country]; ok {
		list := names[1]
		if sex == "female" {
			list = names[0]
		}
		name = list[rng.IntN(len(list))]
	}
	return name, sex, ageBand
}

// demoPhone is a made-up mobile number of the country, distinct for n.
func demoPhone(country string, n int) string {
	switch country {
	case "KH":
		return fmt.Sprintf("+85512%06d", n%1000000)
	case "LA":
		return fmt.Sprintf("+8562055%06d", n%1000000)
	case "PH":
		return fmt.Sprintf("+63917%07d", n)
	}
	return fmt.Sprintf("+84987%06d", n)
}

// demoLang is the language the demo's people of a country write in.
func demoLang(country string) string {
	switch country {
	case "KH":
		return "km"
	case "LA":
		return "lo"
	case "PH":
		return "fil"
	}
	return "vi"
}
