package store_test

import (
	"testing"

	"zona/store/storetest"
)

// A contact's kinds of device are its own: after a contact signed in from a phone, the
// owner's first sign-in (from anything) is not "a new kind of device" for the account.
func TestKnownDevicesArePerPerson(t *testing.T) {
	st, _ := storetest.MustOpen(t)
	c := storetest.MustCreateClient(t, st, "ana@example.mx", "Ana", "López", "Clave-Segura-2026!")
	if isNew, err := st.RememberDevice(c.ID+"/01CONTACT", "Chrome en Android"); err != nil || isNew {
		t.Fatalf("contact's first device: new=%v err=%v", isNew, err)
	}
	if isNew, err := st.RememberDevice(c.ID, "Firefox en Linux"); err != nil || isNew {
		t.Fatalf("owner's first device after a contact's: new=%v err=%v, want not new", isNew, err)
	}
	if isNew, err := st.RememberDevice(c.ID, "Safari en iOS"); err != nil || !isNew {
		t.Fatalf("owner's second kind of device: new=%v err=%v, want new", isNew, err)
	}
}
