package referral

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestICD10Parses(t *testing.T) {
	if _, err := parseICD10(icd10TSV); err != nil {
		t.Fatalf("embedded icd10.tsv: %v", err)
	}
	if len(ICD10Codes()) == 0 {
		t.Fatal("embedded list is empty")
	}
}

func TestParseICD10RejectsMalformed(t *testing.T) {
	for name, src := range map[string]string{
		"two fields":  "F20\t精神分裂症\n",
		"four fields": "F20\t精神分裂症\tSchizophrenia\tx\n",
		"bad code":    "F2\t精神分裂症\tSchizophrenia\n",
		"empty zh":    "F20\t\tSchizophrenia\n",
		"empty en":    "F20\t精神分裂症\t \n",
		"duplicate":   "F20\t精神分裂症\tSchizophrenia\nF20\t精神分裂症\tSchizophrenia\n",
		"unsorted":    "F21\t分裂型障碍\tSchizotypal disorder\nF20\t精神分裂症\tSchizophrenia\n",
	} {
		if _, err := parseICD10(src); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
	idx, err := parseICD10("# header\n\nF20\t精神分裂症\tSchizophrenia\r\n")
	if err != nil || len(idx.list) != 1 || idx.list[0].NameEn != "Schizophrenia" {
		t.Errorf("header/blank/CRLF handling: %v %+v", err, idx.list)
	}
}

func TestICD10HasAllChapterVCategories(t *testing.T) {
	want := []string{
		"F00", "F01", "F02", "F03", "F04", "F05", "F06", "F07", "F09",
		"F10", "F11", "F12", "F13", "F14", "F15", "F16", "F17", "F18", "F19",
		"F20", "F21", "F22", "F23", "F24", "F25", "F28", "F29",
		"F30", "F31", "F32", "F33", "F34", "F38", "F39",
		"F40", "F41", "F42", "F43", "F44", "F45", "F48",
		"F50", "F51", "F52", "F53", "F54", "F55", "F59",
		"F60", "F61", "F62", "F63", "F64", "F65", "F66", "F68", "F69",
		"F70", "F71", "F72", "F73", "F78", "F79",
		"F80", "F81", "F82", "F83", "F84", "F88", "F89",
		"F90", "F91", "F92", "F93", "F94", "F95", "F98", "F99",
	}
	var got []string
	for _, c := range ICD10Codes() {
		if len(c.Code) == 3 && c.Code[0] == 'F' {
			got = append(got, c.Code)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("three-character F categories:\n got %v\nwant %v", got, want)
	}
}

func TestICD10HasSubcategories(t *testing.T) {
	want := []string{
		"F06.0", "F06.1", "F06.2", "F06.3", "F06.4", "F06.5", "F06.6", "F06.7", "F06.8", "F06.9",
		"F20.0", "F20.1", "F20.2", "F20.3", "F20.4", "F20.5", "F20.6", "F20.8", "F20.9",
		"F22.0", "F22.8", "F22.9",
		"F25.0", "F25.1", "F25.2", "F25.8", "F25.9",
		"F31.0", "F31.1", "F31.2", "F31.3", "F31.4", "F31.5", "F31.6", "F31.7", "F31.8", "F31.9",
		"F32.0", "F32.1", "F32.2", "F32.3", "F32.8", "F32.9",
		"F33.0", "F33.1", "F33.2", "F33.3", "F33.4", "F33.8", "F33.9",
		"F41.0", "F41.1", "F41.2", "F43.1",
		"G40", "G40.9",
	}
	for _, c := range want {
		if _, ok := LookupICD10(c); !ok {
			t.Errorf("%s missing", c)
		}
	}
	// Codes that do not exist in WHO ICD-10.
	for _, c := range []string{"F08", "F20.7", "F25.3", "F32.4", "F33.5", "F74"} {
		if _, ok := LookupICD10(c); ok {
			t.Errorf("%s listed but not in WHO ICD-10", c)
		}
	}
	// Every subcategory has its category listed.
	for _, c := range ICD10Codes() {
		if len(c.Code) > 3 {
			if _, ok := LookupICD10(c.Code[:3]); !ok {
				t.Errorf("%s listed without its category %s", c.Code, c.Code[:3])
			}
		}
	}
}

func TestICD10ListWellFormed(t *testing.T) {
	codes := ICD10Codes()
	seen := make(map[string]bool, len(codes))
	for i, c := range codes {
		if seen[c.Code] {
			t.Errorf("duplicate code %s", c.Code)
		}
		seen[c.Code] = true
		if i > 0 && codes[i-1].Code >= c.Code {
			t.Errorf("not sorted: %s before %s", codes[i-1].Code, c.Code)
		}
		if !validICD10Code(c.Code) {
			t.Errorf("malformed code %q", c.Code)
		}
		if strings.TrimSpace(c.NameZh) == "" || strings.TrimSpace(c.NameEn) == "" {
			t.Errorf("%s: empty name: %+v", c.Code, c)
		}
		if !strings.ContainsFunc(c.NameZh, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("%s: Chinese name %q has no Han characters", c.Code, c.NameZh)
		}
		if strings.ContainsFunc(c.NameEn, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("%s: English name %q has Han characters", c.Code, c.NameEn)
		}
	}
}

func TestICD10CodesIsACopy(t *testing.T) {
	a := ICD10Codes()
	a[0].NameEn = "changed"
	if ICD10Codes()[0].NameEn == "changed" {
		t.Error("ICD10Codes returned the shared slice")
	}
}

func TestLookupICD10(t *testing.T) {
	c, ok := LookupICD10("f20.0 ")
	if !ok || c.Code != "F20.0" || c.NameZh != "偏执型精神分裂症" || c.NameEn != "Paranoid schizophrenia" {
		t.Errorf(`LookupICD10("f20.0 ") = %+v, %v`, c, ok)
	}
	for code, zh := range map[string]string{"F20": "精神分裂症", "F31": "双相情感障碍", "F32": "抑郁发作", "G40": "癫痫"} {
		if c, ok := LookupICD10(code); !ok || c.NameZh != zh {
			t.Errorf("LookupICD10(%q) = %+v, %v; want %s", code, c, ok, zh)
		}
	}
	for _, code := range []string{"F20.99", "X99", "", "  ", "F200", "F20."} {
		if c, ok := LookupICD10(code); ok {
			t.Errorf("LookupICD10(%q) = %+v, true; want false", code, c)
		}
	}
}

func TestSevereDisorderCode(t *testing.T) {
	for _, code := range []string{
		"F20.0", "F25.1", "F22.0", "F31.2", "F06.2", "F71",
		"F20", "F70", "F79", "F78", " f31.9 ", "F06.20",
	} {
		if !SevereDisorderCode(code) {
			t.Errorf("SevereDisorderCode(%q) = false; want true", code)
		}
	}
	for _, code := range []string{
		"F32.1", "F41.1", "G40", "G40.9", "F21", "F23", "F30", "F69", "F80",
		"F74", "F200", "F20.", "F20.x", "F2", "", "X20",
	} {
		if SevereDisorderCode(code) {
			t.Errorf("SevereDisorderCode(%q) = true; want false", code)
		}
	}
}
