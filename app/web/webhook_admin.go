package web

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/webhook"
)

// Webhooks in the back office (admins only): list the endpoints, register
// one (its secret shown once, in the answer to the POST, as API tokens'
// are), edit, rotate the secret, disable or enable, delete, read its
// delivery log and replay a delivery. See docs/WEBHOOKS.md.

type webhookForm struct {
	URL         string   `form:"url"`
	Description string   `form:"description"`
	Events      []string `form:"events"`
	Personal    bool     `form:"personal"`
	Enabled     bool     `form:"enabled"`
}

// Has tells the template whether an event type's box is ticked.
func (f webhookForm) Has(typ string) bool { return slices.Contains(f.Events, typ) }

func (f webhookForm) input() webhook.Input {
	return webhook.Input{URL: f.URL, Description: f.Description, Events: f.Events, Personal: f.Personal, Enabled: f.Enabled}
}

type webhookListPage struct {
	Page
	Endpoints []webhook.Listed
}

type webhookFormPage struct {
	Page
	ID     uint // 0: a new endpoint
	Form   webhookForm
	Errors FieldErrors
	Types  []string
}

type webhookShowPage struct {
	Page
	Endpoint   *webhook.Endpoint
	Deliveries []webhook.Logged
}

type webhookSecretPage struct {
	Page
	Endpoint *webhook.Endpoint
	Secret   string
}

// WebhookTypeKey is the message ID of an event type's label
// ("registration.created" → webhook.type.registration_created).
func (p Page) WebhookTypeKey(typ string) string {
	return "webhook.type." + strings.ReplaceAll(typ, ".", "_")
}

func webhookPath(c *fiber.Ctx, id uint) string {
	return "/" + langOf(c) + "/staff/admin/webhooks/" + itoa(int(id))
}

func (s *Server) webhookList(c *fiber.Ctx) error {
	eps, err := webhook.List(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/webhooks", webhookListPage{Page: s.page(c, "admin.page.webhooks.title"), Endpoints: eps})
}

func (s *Server) webhookFormPage(c *fiber.Ctx, status int, id uint, f webhookForm, errs FieldErrors) error {
	title := "admin.page.webhooks.new"
	if id != 0 {
		title = "admin.page.webhooks.edit"
	}
	return s.render(c, status, "admin/webhook_form", webhookFormPage{Page: s.page(c, title), ID: id, Form: f, Errors: errs, Types: webhook.Types})
}

func (s *Server) webhookNew(c *fiber.Ctx) error {
	return s.webhookFormPage(c, fiber.StatusOK, 0, webhookForm{Enabled: true}, FieldErrors{})
}

// webhookCreate registers an endpoint and shows its secret once; a form
// with problems comes back with every one beside its field.
func (s *Server) webhookCreate(c *fiber.Ctx) error {
	var f webhookForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	ep, secret, err := webhook.Create(c.UserContext(), s.db, s.webhookAllow(), currentUser(c).ID, f.input(), s.now())
	if err != nil {
		errs := FieldErrors{}
		errs.AddAll(translator(c), err)
		if errs.Any() {
			return s.webhookFormPage(c, fiber.StatusUnprocessableEntity, 0, f, errs)
		}
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/webhook_secret", webhookSecretPage{Page: s.page(c, "admin.page.webhooks.created"), Endpoint: ep, Secret: secret})
}

func (s *Server) webhookShow(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ep, err := webhook.Get(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	log, err := webhook.Deliveries(c.UserContext(), s.db, id, 100)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/webhook_show", webhookShowPage{Page: s.page(c, "admin.page.webhooks.show"), Endpoint: ep, Deliveries: log})
}

func (s *Server) webhookEdit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ep, err := webhook.Get(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	f := webhookForm{URL: ep.URL, Description: ep.Description, Events: ep.TypeList(), Personal: ep.Personal, Enabled: ep.Enabled}
	return s.webhookFormPage(c, fiber.StatusOK, id, f, FieldErrors{})
}

func (s *Server) webhookUpdate(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var f webhookForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	if _, err := webhook.Update(c.UserContext(), s.db, s.webhookAllow(), currentUser(c).ID, id, f.input(), s.now()); err != nil {
		errs := FieldErrors{}
		errs.AddAll(translator(c), err)
		if errs.Any() {
			return s.webhookFormPage(c, fiber.StatusUnprocessableEntity, id, f, errs)
		}
		return err
	}
	return c.Redirect(webhookPath(c, id)+"?flash=webhook_saved", fiber.StatusSeeOther)
}

// webhookRotate gives the endpoint a new secret, shown once.
func (s *Server) webhookRotate(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ep, secret, err := webhook.Rotate(c.UserContext(), s.db, currentUser(c).ID, id, s.now())
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/webhook_secret", webhookSecretPage{Page: s.page(c, "admin.page.webhooks.rotated"), Endpoint: ep, Secret: secret})
}

func (s *Server) webhookEnable(c *fiber.Ctx) error  { return s.webhookSetEnabled(c, true) }
func (s *Server) webhookDisable(c *fiber.Ctx) error { return s.webhookSetEnabled(c, false) }

func (s *Server) webhookSetEnabled(c *fiber.Ctx, enabled bool) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := webhook.SetEnabled(c.UserContext(), s.db, currentUser(c).ID, id, enabled, s.now()); err != nil {
		return err
	}
	flash := "webhook_disabled"
	if enabled {
		flash = "webhook_enabled"
	}
	return c.Redirect(webhookPath(c, id)+"?flash="+flash, fiber.StatusSeeOther)
}

func (s *Server) webhookDelete(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := webhook.Delete(c.UserContext(), s.db, currentUser(c).ID, id); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/admin/webhooks?flash=webhook_deleted", fiber.StatusSeeOther)
}

// webhookReplay queues a finished delivery once more (audited).
func (s *Server) webhookReplay(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	did, err := paramID(c, "delivery")
	if err != nil {
		return err
	}
	if err := webhook.Replay(c.UserContext(), s.db, currentUser(c).ID, id, did, s.now()); err != nil {
		return err
	}
	return c.Redirect(webhookPath(c, id)+"?flash=webhook_replayed", fiber.StatusSeeOther)
}
