package web

// registerForm is the organiser's "register someone" form (phone call,
// partner list): the same rules as the public form.
type registerForm struct {
	Name         string `form:"name" validate:"required,max=120" label:"registrations.form.name"`
	Phone        string `form:"phone" validate:"max=40" label:"registrations.form.phone"`
	Kind         string `form:"kind" validate:"required,oneof=individual group" label:"registrations.form.kind"`
	GroupSize    string `form:"group_size" validate:"max=5" label:"registrations.form.group_size"`
	Organisation string `form:"organisation" validate:"max=160" label:"registrations.form.organisation"`
	Lang         string `form:"lang" validate:"omitempty,oneof=vi fr en" label:"registrations.form.lang"`
	Source       string `form:"source" validate:"omitempty,oneof=phone partner_list" label:"registrations.form.source"`
	Status       string `form:"status" validate:"omitempty,oneof=auto waitlist" label:"registrations.form.status"`
}

// registerOnBehalf is the form's state on the registrations page.
type registerOnBehalf struct {
	Form   registerForm
	Errors FieldErrors
	Open   bool
}
