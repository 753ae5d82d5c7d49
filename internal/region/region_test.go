package region

import (
	"strings"
	"testing"
)

func TestLookupEmbeddedCodes(t *testing.T) {
	for code, want := range map[string]Region{
		"340000": {"340000", "安徽省", "Anhui", Province},
		"340100": {"340100", "合肥市", "Hefei", Prefecture},
		"340104": {"340104", "合肥市蜀山区", "Shushan, Hefei", County},
		"110000": {"110000", "北京市", "Beijing", Province},
	} {
		got, ok := Lookup(code)
		if !ok || got != want {
			t.Errorf("Lookup(%s) = %+v, %v; want %+v", code, got, ok, want)
		}
	}
}

// A code inside a known province is accepted and named after the province.
func TestLookupFallsBackToTheProvince(t *testing.T) {
	county, ok := Lookup("440305")
	if !ok || county.Code != "440305" || county.Level != County ||
		!strings.HasPrefix(county.Name, "广东省") || !strings.Contains(county.Name, "440305") ||
		!strings.HasPrefix(county.NameEn, "Guangdong") {
		t.Errorf("Lookup(440305) = %+v, %v", county, ok)
	}
	pref, ok := Lookup("440300")
	if !ok || pref.Level != Prefecture {
		t.Errorf("Lookup(440300) = %+v, %v; want a prefecture", pref, ok)
	}
}

func TestLookupRejects(t *testing.T) {
	for _, code := range []string{"", "34010", "3401040", "34010a", "３４０１０４", "990000", "000000", "-34010"} {
		if r, ok := Lookup(code); ok {
			t.Errorf("Lookup(%q) = %+v, want not found", code, r)
		}
	}
}

func TestProvinces(t *testing.T) {
	ps := Provinces()
	if len(ps) != 34 {
		t.Fatalf("%d province-level divisions, want 34", len(ps))
	}
	for _, p := range ps {
		if p.Level != Province || !strings.HasSuffix(p.Code, "0000") || p.Name == "" || p.NameEn == "" {
			t.Errorf("province %+v", p)
		}
	}
}

func TestTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if seen[r.Code] {
			t.Errorf("code %s appears twice", r.Code)
		}
		seen[r.Code] = true
		if p, ok := Lookup(r.Code[:2] + "0000"); !ok || p.Level != Province {
			t.Errorf("%s %s has no province", r.Code, r.Name)
		}
	}
}

func TestAllReturnsACopy(t *testing.T) {
	all := All()
	all[0].Name = "changed"
	if All()[0].Name == "changed" {
		t.Fatal("All exposes the embedded table")
	}
}
