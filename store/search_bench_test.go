package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	benchFirst = strings.Fields("Ana Luis María José Juan Guadalupe Carmen Miguel Rosa Jorge Laura Pedro Sofía Diego " +
		"Fernanda Ricardo Elena Alejandro Patricia Roberto Daniela Francisco Lucía Javier Gabriela Raúl Mónica Héctor " +
		"Verónica Arturo Claudia Sergio Adriana Eduardo Paola Manuel Silvia Óscar Teresa Andrés")
	benchLast = strings.Fields("López García Hernández Martínez González Pérez Rodríguez Sánchez Ramírez Cruz Flores " +
		"Gómez Morales Vázquez Reyes Jiménez Torres Díaz Gutiérrez Ruiz Mendoza Aguilar Ortiz Moreno Castillo Romero " +
		"Álvarez Méndez Chávez Rivera Juárez Ramos Domínguez Herrera Medina Castro Vargas Guzmán Velázquez Muñoz Rojas " +
		"Contreras Salazar Luna Ortega Guerrero Estrada Bautista Cortés Soto Alvarado Espinoza Lara Ávila Ríos Cervantes " +
		"Silva Delgado Vega Márquez Sandoval Fernández León Carrillo Mejía Solís Núñez Rosas Valdez Ibarra Campos Santiago " +
		"Vargas Camacho Navarro Peña Maldonado Rosales Acosta Miranda Trejo Valencia Nava Pacheco Huerta Padilla Molina")
	benchCompany = strings.Fields("Abarrotes Papelería Ferretería Consultores Despacho Taller Farmacia Panadería " +
		"Tortillería Imprenta Estudio Clínica Escuela Constructora Transportes Servicios Distribuidora Comercial")
)

const (
	benchClients  = 50000
	benchContacts = 3 // per client: 150,000 in all
)

// fillSearchBench writes benchClients clients with benchContacts contacts each, with their
// search terms, in write batches (not one transaction each: that would take minutes), and
// returns the clients.
func fillSearchBench(b *testing.B, s *Store) []Client {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	set := func(key string, v []byte) {
		if err := wb.Set([]byte(key), v); err != nil {
			b.Fatal(err)
		}
	}
	clients := make([]Client, benchClients)
	for i := range clients {
		c := &clients[i]
		c.ID = NewID()
		c.FirstName = benchFirst[r.IntN(len(benchFirst))]
		c.LastName = benchLast[r.IntN(len(benchLast))] + " " + benchLast[r.IntN(len(benchLast))]
		c.Email = fmt.Sprintf("%s.%d@cliente%d.mx", strings.ToLower(Fold(c.FirstName)), i, i%997)
		if i%3 == 0 {
			c.Company = benchCompany[r.IntN(len(benchCompany))] + " " + benchLast[r.IntN(len(benchLast))]
		}
		c.Phone = fmt.Sprintf("+52%d%08d", []int{55, 33, 81, 222, 442}[i%5], r.IntN(1e8))
		if len(c.Phone) > 13 {
			c.Phone = c.Phone[:13]
		}
		letter := func() byte { return byte('A' + r.IntN(26)) }
		c.Fiscal.RFC = fmt.Sprintf("%c%c%c%c%02d%02d%02d%c%c%d", letter(), letter(), letter(), letter(),
			r.IntN(100), 1+r.IntN(12), 1+r.IntN(28), letter(), letter(), r.IntN(10))
		raw, err := encode(c)
		if err != nil {
			b.Fatal(err)
		}
		set(clientKey(c.ID), raw)
		for _, t := range clientTerms(c) {
			set(string(searchKey(t.term, c.ID, sourceClient)), []byte{t.field})
		}
		for j := range benchContacts {
			ct := Contact{ID: NewID(), ClientID: c.ID, FirstName: benchFirst[r.IntN(len(benchFirst))],
				LastName: benchLast[r.IntN(len(benchLast))], Email: fmt.Sprintf("contacto%d.%d@empresa%d.mx", i, j, i%503)}
			raw, err := encode(&ct)
			if err != nil {
				b.Fatal(err)
			}
			set(contactKey(c.ID, ct.ID), raw)
			for _, t := range contactTerms(&ct) {
				set(string(searchKey(t.term, c.ID, ct.ID)), []byte{t.field})
			}
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	return clients
}

// BenchmarkConsoleSearch measures the console's search at the size of a real small host:
// 50,000 clients and 150,000 contacts. Each iteration runs one query of a mix (a last
// name, a first name, two words, an email, an RFC, a contact's email, a client ID, a phone
// as a caller says it, a three-letter prefix) and reads the first page of 50 clients, as
// /admin/clients does; it reports the p50 and p99 latency of a query. It runs only with
// -bench (go test -run '^$' -bench ConsoleSearch -benchtime 2000x ./store/).
func BenchmarkConsoleSearch(b *testing.B) {
	s, _ := mustOpen(b)
	start := time.Now()
	clients := fillSearchBench(b, s)
	b.Logf("filled %d clients and %d contacts in %s", len(clients), len(clients)*benchContacts, time.Since(start).Round(time.Millisecond))
	r := rand.New(rand.NewPCG(3, 4))
	queries := func(c *Client, i int) string {
		switch i % 10 {
		case 0:
			return strings.Fields(c.LastName)[0]
		case 1:
			return c.FirstName
		case 2:
			return c.FirstName + " " + strings.Fields(c.LastName)[1]
		case 3:
			return c.Email
		case 4:
			return c.Fiscal.RFC
		case 5:
			return fmt.Sprintf("contacto%d.1@empresa%d.mx", r.IntN(benchClients), r.IntN(503))
		case 6:
			return c.ID
		case 7:
			n := strings.TrimPrefix(c.Phone, "+52")
			return "044 " + n[:2] + " " + n[2:6] + " " + n[6:]
		case 8:
			return "+52 1 " + strings.TrimPrefix(c.Phone, "+52")
		}
		return strings.ToLower(Fold(c.FirstName))[:3]
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := queries(&clients[r.IntN(len(clients))], i)
		t0 := time.Now()
		hits, _, err := s.SearchClients(q)
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]string, 0, 50)
		for _, h := range hits[:min(50, len(hits))] {
			ids = append(ids, h.ClientID)
		}
		if _, err := s.ClientsByIDs(ids); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
