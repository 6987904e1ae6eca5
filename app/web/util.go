package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

func itoa(n int) string { return strconv.Itoa(n) }

// paramID reads a positive integer route parameter.
func paramID(c *fiber.Ctx, name string) (uint, error) {
	n, err := c.ParamsInt(name)
	if err != nil || n <= 0 {
		return 0, fiber.ErrNotFound
	}
	return uint(n), nil
}
