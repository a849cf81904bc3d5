package safety

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The readers take whatever a spreadsheet or an editor saved: they never
// panic, every problem names the file, and a log without problems has
// hazards whose controls have ids.
func fuzzRead(f *testing.F, ext string, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*"+ext))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		log, err := Parse("hazards"+ext, data)
		var le *LogError
		switch {
		case errors.As(err, &le):
			if len(le.Problems) == 0 {
				t.Fatal("a LogError without problems")
			}
			for _, p := range le.Problems {
				if p.File != "hazards"+ext || p.Msg == "" || p.Line < 0 {
					t.Fatalf("problem without file or message: %+v", p)
				}
			}
		case err != nil:
			t.Fatalf("want a LogError, got %v", err)
		default:
			if log == nil || len(log.Hazards) == 0 {
				t.Fatal("no problems, but no hazards")
			}
			for _, h := range log.Hazards {
				if !ValidHazardID(h.ID) {
					t.Fatalf("hazard id %q", h.ID)
				}
				for _, c := range h.Controls {
					if c.ID == "" {
						t.Fatalf("control without id in %s", h.ID)
					}
				}
			}
		}
	})
}

func FuzzReadYAML(f *testing.F) {
	fuzzRead(f, ".yaml", "", "hazards:\n", "hazards:\n  - id: H-001\n    title: t\n    control: c\n",
		"hazards:\n  - {id: H-001, title: t, controls: [{id: C-001, description: d, verify: other}]}\n",
		"hazards: &a\n  - *a\n")
}

func FuzzReadCSV(f *testing.F) {
	fuzzRead(f, ".csv", "", "hazard_id,title,control_id,control\nH-001,t,C-001,c\n",
		"\xef\xbb\xbfhazard_id;title;control_id;control\r\nH-001;\"a\r\nb\";C-001;c\r\n;;C-002;d\r\n")
}
