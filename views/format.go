package views

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/medama-io/go-useragent"
	"github.com/medama-io/go-useragent/agents"

	"zona/store"
)

// When formats t in the request's time zone and language.
func When(ctx context.Context, t time.Time) string { return formatIn(ctx, t, "format.datetime") }

// Day formats the date of t (a day's start in the operator's time zone, as a deadline is
// kept) in the request's language.
func Day(ctx context.Context, t time.Time) string { return formatIn(ctx, t, "format.date") }

// formatIn formats t in the request's time zone with the layout its language names layout.
func formatIn(ctx context.Context, t time.Time, layout string) string {
	v := From(ctx)
	loc := v.Loc
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(v.Tr.T(layout))
}

var uaParser = sync.OnceValue(useragent.NewParser)

// Device describes a browser's User-Agent the way a person says it: "Chrome en Linux".
func Device(ctx context.Context, ua string) string {
	if strings.TrimSpace(ua) == "" {
		return T(ctx, "device.unknown")
	}
	a := uaParser().Parse(ua)
	browser, os := string(a.Browser()), string(a.OS())
	if a.Browser() == agents.Browser("") {
		browser = T(ctx, "device.browser_unknown")
	}
	if a.OS() == agents.OS("") {
		return browser
	}
	return T(ctx, "device.on", "Browser", browser, "OS", os)
}

// ActorName says who made a recorded change, in the reader's language.
func ActorName(ctx context.Context, a store.Actor) string {
	switch a.Kind {
	case store.ActorStaff:
		return T(ctx, "actor.staff", "Name", a.Name)
	case store.ActorSystem:
		return T(ctx, "actor.system")
	case store.ActorOwner, store.ActorContact:
		if a.Name != "" {
			return a.Name
		}
	}
	return T(ctx, "actor.unknown")
}

// Describe is the sentence that tells what an entry of the history records, naming what
// it concerns when the entry says: the contact ("Ana activó Emails Soporte para Jorge")
// and the subject of a mail. An entry without those details reads the general sentence.
func Describe(ctx context.Context, e store.Entry) string {
	who := ActorName(ctx, e.Actor)
	var contact string
	for _, ch := range e.Changes {
		if ch.Field == "contact" {
			contact = ch.New + ch.Old // one of them: New while it exists, Old once deleted
		}
	}
	switch {
	case e.Kind == store.KindContactPermission && contact != "" && len(e.Changes) == 2:
		perm := e.Changes[1]
		on := perm.New == "✓"
		key := "describe.permission_off"
		switch {
		case perm.Field == "access" && on:
			key = "describe.access_on"
		case perm.Field == "access":
			key = "describe.access_off"
		case on:
			key = "describe.permission_on"
		}
		return T(ctx, key, "Who", who, "Perm", T(ctx, "field."+perm.Field), "Contact", contact)
	case contact != "" || e.Detail["subject"] != "":
		if key := "describe." + e.Kind; T(ctx, key) != key {
			return T(ctx, key, "Who", who, "Contact", contact, "Subject", e.Detail["subject"])
		}
	}
	return T(ctx, "activity."+e.Kind, "Who", who)
}

// joinDot joins the non-empty parts with " · ".
func joinDot(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}

// DeviceKey is a stable name of the kind of device a User-Agent describes (browser, system
// and form factor, no versions), to tell a device seen before from a new one.
func DeviceKey(ua string) string {
	a := uaParser().Parse(ua)
	return string(a.Browser()) + "|" + string(a.OS()) + "|" + string(a.Device())
}

// Size is a number of bytes as people read it: "850 B", "12 KB", "1.4 MB" (Mexico writes
// decimals with a point, as English does).
func Size(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return strconv.FormatInt((n+500)/1000, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
}

// joinComma joins a list with ", ".
func joinComma(list []string) string { return strings.Join(list, ", ") }
