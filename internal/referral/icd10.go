package referral

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// icd10TSV is the embedded diagnosis list: code<TAB>name_zh<TAB>name_en, one
// code a line, in code order; blank lines and lines starting with '#' are
// skipped.
//
//go:embed icd10.tsv
var icd10TSV string

// ICD10 is one code of the embedded diagnosis list.
type ICD10 struct{ Code, NameZh, NameEn string }

type icd10Index struct {
	list   []ICD10
	byCode map[string]int
}

// icd10Data parses the embedded list once. The list is a build-time asset, so
// a malformed line is a programming error and panics (icd10_test.go guards it).
var icd10Data = sync.OnceValue(func() icd10Index {
	idx, err := parseICD10(icd10TSV)
	if err != nil {
		panic("referral: embedded icd10.tsv: " + err.Error())
	}
	return idx
})

func parseICD10(src string) (icd10Index, error) {
	idx := icd10Index{byCode: make(map[string]int)}
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return icd10Index{}, fmt.Errorf("line %d: want 3 tab-separated fields, got %d", n+1, len(f))
		}
		c := ICD10{Code: strings.TrimSpace(f[0]), NameZh: strings.TrimSpace(f[1]), NameEn: strings.TrimSpace(f[2])}
		if !validICD10Code(c.Code) {
			return icd10Index{}, fmt.Errorf("line %d: malformed code %q", n+1, c.Code)
		}
		if c.NameZh == "" || c.NameEn == "" {
			return icd10Index{}, fmt.Errorf("line %d: %s: empty name", n+1, c.Code)
		}
		if _, dup := idx.byCode[c.Code]; dup {
			return icd10Index{}, fmt.Errorf("line %d: duplicate code %s", n+1, c.Code)
		}
		if k := len(idx.list); k > 0 && idx.list[k-1].Code > c.Code {
			return icd10Index{}, fmt.Errorf("line %d: %s out of order after %s", n+1, c.Code, idx.list[k-1].Code)
		}
		idx.byCode[c.Code] = len(idx.list)
		idx.list = append(idx.list, c)
	}
	return idx, nil
}

// validICD10Code reports whether s has the shape of an ICD-10 category
// ("F20") or subcategory ("F20.0"): a capital letter, two digits and an
// optional dot and digit.
func validICD10Code(s string) bool {
	if len(s) != 3 && len(s) != 5 {
		return false
	}
	if s[0] < 'A' || s[0] > 'Z' || !isDigit(s[1]) || !isDigit(s[2]) {
		return false
	}
	return len(s) == 3 || (s[3] == '.' && isDigit(s[4]))
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// ICD10Codes returns the embedded list in code order (a copy; safe to modify).
func ICD10Codes() []ICD10 {
	return slices.Clone(icd10Data().list)
}

// LookupICD10 finds a code after normalising it (trim surrounding space and
// upper-case; no other rewriting, so "F200" is not "F20.0"). ok is false when
// the code is not in the list.
func LookupICD10(code string) (ICD10, bool) {
	d := icd10Data()
	i, ok := d.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return ICD10{}, false
	}
	return d.list[i], true
}

// SevereDisorderCode reports whether code belongs to one of the six
// registered severe mental disorders of the 2018 work standard
// (严重精神障碍管理治疗工作规范): schizophrenia F20*, schizoaffective disorder
// F25*, paranoid psychosis F22*, bipolar disorder F31*, mental disorders due
// to epilepsy F06* (the accompanying G40 is judged by the caller) and
// intellectual disability F70–F79.
//
// The code is trimmed and upper-cased; it must be a category ("F20") or a
// subcategory of one (a dot and digits: "F20.0", "F20.00") whose three-character category is
// in the embedded list. A subcategory is judged by its category only, so it
// need not itself be listed. G40 alone is not a severe disorder code.
func SevereDisorderCode(code string) bool {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) < 3 || (len(c) > 3 && (len(c) < 5 || c[3] != '.')) {
		return false
	}
	for i := 4; i < len(c); i++ {
		if !isDigit(c[i]) {
			return false
		}
	}
	cat := c[:3]
	if _, ok := LookupICD10(cat); !ok {
		return false
	}
	switch cat {
	case "F20", "F25", "F22", "F31", "F06":
		return true
	}
	return cat[0] == 'F' && cat[1] == '7' // F70–F79 (only existing categories are listed)
}
