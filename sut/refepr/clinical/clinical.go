// Package clinical groups the reference EPR's pure clinical rules: allergies
// and the banner alert (package allergy), prescriptions and the allergy/drug
// conflict check (package medication), and NEWS2 (package news2). The
// packages under it do no I/O and read no clock.
package clinical
