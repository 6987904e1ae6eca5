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

// optionalParamID reads a positive integer route parameter that "new" routes
// lack: 0 when absent, 404 when malformed.
func optionalParamID(c *fiber.Ctx, name string) (uint, error) {
	if c.Params(name) == "" {
		return 0, nil
	}
	return paramID(c, name)
}
