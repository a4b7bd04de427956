package handlers_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// softKey is a passkey held in software: what a platform authenticator does for a browser,
// enough for the handler tests (the browser test uses Chromium's virtual authenticator).
type softKey struct {
	priv   *ecdsa.PrivateKey
	id     []byte
	handle []byte // the user handle the server gave at registration
	count  uint32
	// noUV makes assertions say the user was present but not verified (no PIN, no
	// biometrics).
	noUV bool
}

// origin and rpID are storetest.Config's base URL as a relying party.
const (
	testOrigin = "http://localhost"
	testRPID   = "localhost"
)

var b64u = base64.RawURLEncoding

func newSoftKey(t testing.TB) *softKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &softKey{priv: priv, id: id}
}

// options is the publicKey member of a ceremony's options.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		User      struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

// postJSON posts body as JSON with the agent's CSRF token in the header.
func (a *agent) postJSON(path string, body []byte) *response {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", a.csrf)
	return a.do(req)
}

func clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]string{"type": typ, "challenge": challenge, "origin": testOrigin})
	return b
}

func (k *softKey) authData(flags byte, attested []byte) []byte {
	rp := sha256.Sum256([]byte(testRPID))
	k.count++
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	return append(out, attested...)
}

// register answers the options of /security/passkeys/new with a new credential ("none"
// attestation), as the JSON passkey.js posts to /security/passkeys.
func (k *softKey) register(t testing.TB, raw, name string) []byte {
	t.Helper()
	var o options
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		t.Fatalf("options %q: %v", raw, err)
	}
	k.handle, _ = b64u.DecodeString(o.PublicKey.User.ID)
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: k.priv.X.FillBytes(make([]byte, 32)), -3: k.priv.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(k.id)))
	attested = append(append(attested, k.id...), cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(0x45, attested)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"name": name, "credential": map[string]any{
		"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"response": map[string]string{"attestationObject": b64u.EncodeToString(att),
			"clientDataJSON": b64u.EncodeToString(clientData("webauthn.create", o.PublicKey.Challenge))},
	}})
	return body
}

// assert answers the options of /login/passkey/begin, as the JSON passkey.js posts to
// /login/passkey.
func (k *softKey) assert(t testing.TB, raw string) []byte {
	t.Helper()
	var o options
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		t.Fatalf("options %q: %v", raw, err)
	}
	cd := clientData("webauthn.get", o.PublicKey.Challenge)
	flags := byte(0x05) // user present and verified
	if k.noUV {
		flags = 0x01
	}
	ad := k.authData(flags, nil)
	sum := sha256.Sum256(cd)
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, sha256Of(append(append([]byte{}, ad...), sum[:]...)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{
		"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"response": map[string]string{"authenticatorData": b64u.EncodeToString(ad), "clientDataJSON": b64u.EncodeToString(cd),
			"signature": b64u.EncodeToString(sig), "userHandle": b64u.EncodeToString(k.handle)},
	})
	return body
}

func sha256Of(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// mustAddPasskey registers k for the agent's person through the handlers.
func (a *agent) mustAddPasskey(t testing.TB, k *softKey, name string) {
	t.Helper()
	a.get("/security")
	opts := a.postJSON("/security/passkeys/new", nil)
	if opts.StatusCode != http.StatusOK {
		t.Fatalf("begin: %d %s", opts.StatusCode, opts.body)
	}
	if r := a.postJSON("/security/passkeys", k.register(t, opts.body, name)); r.StatusCode != http.StatusOK {
		t.Fatalf("add: %d %s", r.StatusCode, r.body)
	}
}
