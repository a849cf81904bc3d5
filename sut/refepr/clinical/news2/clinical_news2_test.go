package news2_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/clinical/news2"
)

// normal scores 0 on every parameter.
func normal() news2.Vitals {
	return news2.Vitals{RespirationRate: 16, SpO2: 98, SpO2Scale: 1, Systolic: 120, Pulse: 70, Consciousness: news2.Alert, TempTenths: 370}
}

// Every band boundary of every parameter of the RCP 2017 chart: the value
// on each side of each edge.
func TestParameterBoundaries(t *testing.T) {
	type tc struct {
		value int
		want  int
	}
	cases := []struct {
		param news2.Parameter
		set   func(v *news2.Vitals, x int)
		rows  []tc
	}{
		{news2.RespirationRate, func(v *news2.Vitals, x int) { v.RespirationRate = x },
			[]tc{{0, 3}, {8, 3}, {9, 1}, {11, 1}, {12, 0}, {20, 0}, {21, 2}, {24, 2}, {25, 3}, {40, 3}}},
		{news2.SpO2, func(v *news2.Vitals, x int) { v.SpO2 = x }, // scale 1, air or oxygen alike
			[]tc{{85, 3}, {91, 3}, {92, 2}, {93, 2}, {94, 1}, {95, 1}, {96, 0}, {100, 0}}},
		{news2.SystolicBP, func(v *news2.Vitals, x int) { v.Systolic = x },
			[]tc{{70, 3}, {90, 3}, {91, 2}, {100, 2}, {101, 1}, {110, 1}, {111, 0}, {219, 0}, {220, 3}, {250, 3}}},
		{news2.Pulse, func(v *news2.Vitals, x int) { v.Pulse = x },
			[]tc{{30, 3}, {40, 3}, {41, 1}, {50, 1}, {51, 0}, {90, 0}, {91, 1}, {110, 1}, {111, 2}, {130, 2}, {131, 3}, {180, 3}}},
		{news2.Temperature, func(v *news2.Vitals, x int) { v.TempTenths = x },
			[]tc{{340, 3}, {350, 3}, {351, 1}, {360, 1}, {361, 0}, {380, 0}, {381, 1}, {390, 1}, {391, 2}, {410, 2}}},
	}
	for _, c := range cases {
		for _, row := range c.rows {
			t.Run(fmt.Sprintf("%s=%d", c.param, row.value), func(t *testing.T) {
				v := normal()
				c.set(&v, row.value)
				s := news2.Score(v)
				assert.Equal(t, row.want, s[c.param])
				for _, p := range news2.Parameters {
					if p != c.param {
						assert.Zero(t, s[p], "other parameter %s", p)
					}
				}
			})
		}
	}
}

func TestSpO2Scale2(t *testing.T) {
	for _, c := range []struct {
		spo2   int
		oxygen bool
		want   int
	}{
		{80, false, 3}, {83, false, 3}, {84, false, 2}, {85, false, 2}, {86, false, 1}, {87, false, 1},
		{88, false, 0}, {92, false, 0}, {93, false, 0}, {97, false, 0}, {100, false, 0}, // 93+ on air scores 0
		{83, true, 3}, {84, true, 2}, {86, true, 1}, {88, true, 0}, {92, true, 0},
		{93, true, 1}, {94, true, 1}, {95, true, 2}, {96, true, 2}, {97, true, 3}, {100, true, 3},
	} {
		v := normal()
		v.SpO2Scale, v.SpO2, v.OnOxygen = 2, c.spo2, c.oxygen
		assert.Equal(t, c.want, news2.Score(v)[news2.SpO2], "scale 2, SpO2 %d, oxygen %v", c.spo2, c.oxygen)
	}
}

func TestOxygenAndConsciousness(t *testing.T) {
	v := normal()
	v.OnOxygen = true
	assert.Equal(t, 2, news2.Score(v)[news2.AirOrOxygen])
	assert.Zero(t, news2.Score(v)[news2.SpO2], "scale 1 ignores oxygen for SpO2 itself")
	for _, c := range []news2.Consciousness{news2.Confusion, news2.Voice, news2.Pain, news2.Unresponsive} {
		v := normal()
		v.Consciousness = c
		assert.Equal(t, 3, news2.Score(v)[news2.ConsciousnessP], c)
	}
}

// Every band boundary of the aggregate score, and the red-score rule.
func TestBands(t *testing.T) {
	for _, c := range []struct {
		name    string
		set     func(v *news2.Vitals)
		total   int
		band    news2.Band
		trigger string
	}{
		{"all normal", func(*news2.Vitals) {}, 0, news2.Low, "Ward-based response"},
		{"1 point", func(v *news2.Vitals) { v.Pulse = 95 }, 1, news2.Low, "Ward-based response"},
		{"4 points, no 3", func(v *news2.Vitals) { v.RespirationRate, v.Systolic = 22, 95 }, 4, news2.Low, "Ward-based response"},
		{"3 in one parameter", func(v *news2.Vitals) { v.RespirationRate = 25 }, 3, news2.LowMedium, "Urgent ward-based response"},
		{"3 in one parameter, total 4", func(v *news2.Vitals) { v.Consciousness, v.Pulse = news2.Confusion, 95 }, 4, news2.LowMedium, "Urgent ward-based response"},
		{"5 points", func(v *news2.Vitals) { v.RespirationRate, v.Systolic, v.Pulse = 22, 95, 95 }, 5, news2.Medium, "Key threshold for urgent response"},
		{"6 points with a 3", func(v *news2.Vitals) { v.RespirationRate, v.Systolic, v.Pulse = 25, 95, 95 }, 6, news2.Medium, "Key threshold for urgent response"},
		{"7 points", func(v *news2.Vitals) { v.RespirationRate, v.Systolic, v.Pulse, v.OnOxygen = 22, 95, 115, true }, 8, news2.High, "Urgent or emergency response"},
		{"exactly 7", func(v *news2.Vitals) { v.RespirationRate, v.Systolic, v.Pulse, v.TempTenths = 22, 95, 115, 385 }, 7, news2.High, "Urgent or emergency response"},
		{"maximum", func(v *news2.Vitals) {
			*v = news2.Vitals{RespirationRate: 30, SpO2: 85, SpO2Scale: 1, OnOxygen: true, Systolic: 80, Pulse: 140, Consciousness: news2.Unresponsive, TempTenths: 340}
		}, 20, news2.High, "Urgent or emergency response"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := normal()
			c.set(&v)
			a := news2.Calculate(v)
			assert.Equal(t, c.total, a.Total)
			assert.Equal(t, c.band, a.Band)
			assert.Equal(t, c.trigger, a.Trigger)
			assert.NotEmpty(t, a.Response)
			assert.NotEmpty(t, a.Monitoring)
		})
	}
}

func TestValidate(t *testing.T) {
	assert.Empty(t, normal().Validate())
	v := news2.Vitals{RespirationRate: 200, SpO2: 20, SpO2Scale: 3, Systolic: 5, Pulse: 900, Consciousness: "X", TempTenths: 10}
	assert.Len(t, v.Validate(), 7)
}

func TestTemperature(t *testing.T) {
	for in, want := range map[string]int{"37": 370, "37.5": 375, "35.0": 350, "35.1": 351, " 39.1 ": 391} {
		got, err := news2.ParseTemperature(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, want, must(news2.ParseTemperature(news2.FormatTemperature(got))))
	}
	for _, bad := range []string{"", "hot", "37.55", "-1", "37.", "+37"} {
		_, err := news2.ParseTemperature(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseConsciousness(t *testing.T) {
	for in, want := range map[string]news2.Consciousness{"A": news2.Alert, "alert": news2.Alert, "New confusion": news2.Confusion, "v": news2.Voice, "Pain": news2.Pain, "U": news2.Unresponsive} {
		got, err := news2.ParseConsciousness(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := news2.ParseConsciousness("asleep")
	assert.Error(t, err)
}

func must(n int, err error) int {
	if err != nil {
		panic(err)
	}
	return n
}
