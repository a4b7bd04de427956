package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"zona/mail"
	"zona/secure"
	"zona/store"
)

// The demo's people. Their passwords are new on every run, printed once.
const (
	demoClientEmail  = "cliente@demo.zona.mx"
	demoContactEmail = "laura@demo.zona.mx"
	demoStaffEmail   = "soporte@demo.zona.mx"
)

// demo seeds a living demo account and a staff account and prints how to sign in: the
// owner, a contact who signs in with some areas, and a billing contact without access;
// messages of every category; a history. Run again, it gives the three sign-ins new
// passwords and adds nothing else.
func demo(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	var req demoReq
	pws := make([]string, 3)
	for i, h := range []*string{&req.ClientHash, &req.ContactHash, &req.StaffHash} {
		pws[i] = "Demo-" + secure.Token()[:12] + "-26"
		var err error
		if *h, err = secure.Hash(ctx, pws[i]); err != nil {
			return err
		}
	}
	if err := opDemo.do(ctx, *data, req, stdout, stderr); err != nil {
		return err
	}
	const line = "  %-8s %-21s %s%s\n"
	fmt.Fprintf(stdout, "Demo data ready in %s.\nCustomers sign in at /login:\n", *data)
	fmt.Fprintf(stdout, line, "client", demoClientEmail, pws[0], "  (the account owner)")
	fmt.Fprintf(stdout, line, "contact", demoContactEmail, pws[1], "  (a contact: contacts, emails and history, not the account details)")
	fmt.Fprintln(stdout, "Staff sign in at /admin/login:")
	fmt.Fprintf(stdout, line, "staff", demoStaffEmail, pws[2], "")
	return nil
}

type demoReq struct{ ClientHash, ContactHash, StaffHash string }

var opDemo = operation[demoReq]{"demo", func(ctx context.Context, st store.Records, r demoReq, _, stderr io.Writer) error {
	c, err := st.ClientByEmail(demoClientEmail)
	switch {
	case errors.Is(err, store.ErrNotFound):
		err = seedDemoAccount(st, r, stderr)
	case err == nil:
		err = resetDemoPasswords(st, c, r)
	}
	if err != nil {
		return err
	}
	s, err := st.StaffByEmail(demoStaffEmail)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return st.CreateStaff(&store.Staff{Email: demoStaffEmail, Name: "Soporte Demo", Role: store.RoleAdmin, PasswordHash: r.StaffHash})
	case err != nil:
		return err
	}
	_, err = st.SetStaffPassword(s.ID, r.StaffHash, "")
	return err
}}

// seedDemoAccount creates the demo owner, its two contacts and a
// message of every category, each recorded in the history as the CLI's doing.
func seedDemoAccount(st store.Records, r demoReq, stderr io.Writer) error {
	c := &store.Client{Email: demoClientEmail, FirstName: "Ana", LastName: "López Ramírez",
		Company: "Abarrotes La Esperanza S.A. de C.V.", PasswordHash: r.ClientHash}
	if err := st.CreateClient(c, cliEvent(store.KindAccountCreated)); err != nil {
		return err
	}
	// Laura signs in (her invitation accepted at once) and sees contacts, emails and the
	// history, never the account details; she receives technical mail and, having opted
	// in, promotions.
	laura := &store.Contact{ClientID: c.ID, FirstName: "Laura", LastName: "Ríos Méndez", Email: demoContactEmail,
		Access: true, Areas: map[string]bool{store.AreaContacts: true, store.AreaEmails: true, store.AreaActivity: true},
		Emails:    map[string]bool{store.CategoryDomains: true, store.CategorySupport: true, store.CategoryProducts: true},
		Marketing: store.Consent{Given: true, At: time.Now().UTC()}}
	invite := secure.TokenHash(secure.Token())
	if _, err := st.CreateContact(laura, 0, invite, cliEvent(store.KindContactCreated)); err != nil {
		return err
	}
	if _, err := st.AcceptInvitation(invite, r.ContactHash, store.Event{Kind: store.KindContactJoined,
		Actor: store.Actor{Kind: store.ActorContact, ID: laura.ID, Name: laura.Name()}}); err != nil {
		return err
	}
	// Jorge only receives the billing mail (general notices and payment notes).
	jorge := &store.Contact{ClientID: c.ID, FirstName: "Jorge", LastName: "Castañeda", Email: "facturas@demo.zona.mx",
		Emails: map[string]bool{store.CategoryGeneral: true, store.CategoryNotes: true}}
	if _, err := st.CreateContact(jorge, 0, nil, cliEvent(store.KindContactCreated)); err != nil {
		return err
	}
	for _, m := range demoMessages {
		if _, err := sendMessage(st, c, mail.Outgoing{Category: m.category, Subject: m.subject, HTML: m.html}, mail.Config{}, stderr); err != nil {
			return fmt.Errorf("demo message %q: %w", m.subject, err)
		}
	}
	return nil
}

// resetDemoPasswords gives the demo owner and its contact with access new passwords.
func resetDemoPasswords(st store.Records, c *store.Client, r demoReq) error {
	ev := cliEvent(store.KindPasswordChanged)
	ev.Changes = []store.Change{{Field: "password", Secret: true}}
	if _, err := st.UpdateClient(c.ID, c.Rev, func(c *store.Client) error { c.PasswordHash = r.ClientHash; return nil }, ev); err != nil {
		return err
	}
	_, ct, err := st.Login(demoContactEmail)
	if err != nil || ct == nil {
		return fmt.Errorf("the demo contact %s: %w", demoContactEmail, err)
	}
	_, err = st.SetContactPassword(c.ID, ct.ID, r.ContactHash, "", ev)
	return err
}

// demoMessages are one message of each category, as a hosting company sends them.
var demoMessages = []struct{ category, subject, html string }{
	{store.CategoryGeneral, "Mantenimiento programado del 14 de diciembre", "<p>El domingo 14 de diciembre, de 02:00 a 04:00, los servidores de correo tendrán una ventana de mantenimiento.</p>"},
	{store.CategoryProducts, "Su plan Hosting Pyme se renueva el 1 de enero", "<p>Su plan <strong>Hosting Pyme</strong> se renovará automáticamente el 1 de enero por $1,490.00 MXN.</p>"},
	{store.CategoryDomains, "El dominio abarroteslaesperanza.mx vence en 30 días", "<p>Renueve <strong>abarroteslaesperanza.mx</strong> antes del 31 de diciembre para no perderlo.</p>"},
	{store.CategoryNotes, "Nota de pago F-2026-0412", "<p>Recibimos su pago de $1,490.00 MXN. Gracias.</p>"},
	{store.CategorySupport, "Ticket #4821: el certificado SSL ya está instalado", "<p>Instalamos el certificado SSL de su sitio. Responda a este mensaje si algo no funciona.</p>"},
	{store.CategoryMarketing, "Dominios .com.mx con 20 % de descuento", "<p>Este mes, registre dominios <strong>.com.mx</strong> con 20 % de descuento.</p>"},
	{store.CategoryAccount, "Bienvenida a la zona de clientes", "<p>Su cuenta está lista. Ya puede entrar con su correo y contraseña.</p>"},
}
