package refepr_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// benchPatients is how many patients the search benchmarks load.
const benchPatients = 10_000

var (
	benchFamilies = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
		"Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke",
		"Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes",
		"Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris", "Khan",
		"Scott", "Watson", "Davis", "Parker", "James", "Bennett", "Young", "Phillips", "Richardson", "Mitchell"}
	benchGivens = []string{"Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Ivy",
		"Leo", "Lily", "Arthur", "Isabella", "Muhammad", "Rosie", "Oscar", "Sophia", "Charlie", "Grace",
		"Jacob", "Freya", "Thomas", "Willow", "Henry", "Florence", "William", "Emily", "Alfie", "Ella",
		"Joshua", "Poppy", "Freddie", "Evie", "Archie", "Elsie", "Ethan", "Charlotte", "Isaac", "Evelyn"}
)

// benchServer loads benchPatients synthetic patients straight into an
// SQLite file (one transaction: a bulk load, not 10,000 API calls), then
// serves that database. It returns the handler, a session cookie and a
// sample patient to search for.
func benchServer(b *testing.B) (http.Handler, *http.Cookie, patient.Patient) {
	b.Helper()
	ctx := context.Background()
	dsn := "sqlite:" + b.TempDir() + "/bench.db"
	// EPR_BENCH_DATABASE_URL measures another (empty) database instead, e.g.
	// postgres://epr:epr@127.0.0.1:55432/epr?sslmode=disable.
	if u := os.Getenv("EPR_BENCH_DATABASE_URL"); u != "" {
		dsn = u
	}
	st, err := store.Open(ctx, dsn, store.Options{Now: func() time.Time { return today }})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var sample patient.Patient
	start := time.Now()
	err = st.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < benchPatients; i++ {
			p := patient.Patient{
				NHSNumber: nhsnumber.TestNumber(500_000 + i*11),
				Family:    benchFamilies[rng.IntN(len(benchFamilies))],
				Given:     []string{benchGivens[rng.IntN(len(benchGivens))]},
				Gender:    []patient.Gender{patient.Female, patient.Male}[rng.IntN(2)],
				BirthDate: patient.DateOf(time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(90*365))),
			}
			if err := tx.CreatePatient(ctx, &p); err != nil {
				return err
			}
			if i == benchPatients/2 {
				sample = p
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d patients in %s", benchPatients, time.Since(start).Round(time.Millisecond))
	srv, err := refepr.New(ctx, refepr.Config{DatabaseURL: dsn, Now: func() time.Time { return today }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {"rec.jones"}, "password": {"reception-pass"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	srv.ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || len(cookies) == 0 {
		b.Fatalf("sign in: %d", rec.Code)
	}
	return srv, cookies[0], sample
}

// BenchmarkSearch measures the patient search page with 10,000 patients
// loaded, through the HTTP handler: each op is one GET /patients?… and the
// rendered page.
//
//	go test -bench Search -run '^$' ./sut/refepr/...
func BenchmarkSearch(b *testing.B) {
	h, cookie, sample := benchServer(b)
	dmy := fmt.Sprintf("%02d/%02d/%04d", sample.BirthDate.Day, int(sample.BirthDate.Month), sample.BirthDate.Year)
	for _, c := range []struct {
		name, want string
		q          url.Values
	}{
		{"ByNHSNumber", "1 patient found", url.Values{"nhs": {sample.NHSNumber.Formatted()}}},
		{"ByPartialName", "patients found", url.Values{"name": {strings.ToLower(sample.Family[1:4]) + " " + strings.ToLower(sample.Given[0][:3])}}},
		{"ByPartialNameTooMany", "Too many results", url.Values{"name": {"son"}}},
		{"ByNameAndDOB", "found", url.Values{"name": {sample.Family}, "dob": {dmy}}},
		{"ByPartialNamePage2", "found", url.Values{"name": {strings.ToLower(sample.Family) + ", ar"}, "page": {"2"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			target := "/patients?" + c.q.Encode()
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.AddCookie(cookie)
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), c.want) {
					b.Fatalf("GET %s: %d, want %q in the page", target, rec.Code, c.want)
				}
			}
		})
	}
}
