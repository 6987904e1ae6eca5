package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
)

// readGroupGrid reads a group's sex × age grid from a form (fields
// registration.GridField(sex, band)), keeping what was typed in counts; a
// cell that is not a whole number from 0 gets its error in errs and is left
// out (the domain then says what the sum lacks). An empty cell is 0.
func readGroupGrid(c *fiber.Ctx, t *locale.Translator, counts map[string]string, errs FieldErrors) registration.Breakdown {
	var b registration.Breakdown
	for _, sex := range registration.Sexes {
		for _, band := range registration.AgeBands {
			field := registration.GridField(sex, band)
			raw := strings.TrimSpace(c.FormValue(field))
			counts[field] = utils.CopyString(raw)
			if raw == "" {
				continue
			}
			n, err := strconv.Atoi(raw)
			if err != nil || n < 0 || n > registration.GroupMax {
				errs.Add(field, t.T("error.register.count"))
				continue
			}
			b.Set(sex, band, n)
		}
	}
	if b.Grid == nil {
		b.Grid = map[string]map[string]int{}
	}
	return b
}

// groupGrid is the sex × age grid of a group form (template "group_grid"):
// rows are age bands, columns sexes.
type groupGrid struct {
	ID    string // prefix of the element ids
	Sexes []string
	Rows  []groupGridRow
	Sum   string // the error of the sum, "" when none
}

type groupGridRow struct {
	Band  string
	Cells []groupGridCell
}

type groupGridCell struct {
	Sex, Band, Name, Value, Error string
}

func newGroupGrid(counts map[string]string, errs FieldErrors, id string) groupGrid {
	g := groupGrid{ID: id, Sexes: registration.Sexes, Sum: errs.Get(registration.GridSumField)}
	for _, band := range registration.AgeBands {
		row := groupGridRow{Band: band}
		for _, sex := range registration.Sexes {
			name := registration.GridField(sex, band)
			row.Cells = append(row.Cells, groupGridCell{Sex: sex, Band: band, Name: name, Value: counts[name], Error: errs.Get(name)})
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// Errors lists the cells' errors once each, for the line under the grid.
func (g groupGrid) Errors() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range g.Rows {
		for _, c := range r.Cells {
			if c.Error != "" && !seen[c.Error] {
				seen[c.Error] = true
				out = append(out, c.Error)
			}
		}
	}
	return out
}
