// Package region knows the GB/T 2260 administrative division codes the hub
// uses: every province-level division, and the prefectures and counties of the
// demo alliance. A six-digit code whose province is known is accepted even
// when its own name is not embedded, so institutions anywhere in China can be
// registered; its name then falls back to the province's. Imports nothing of the hub.
package region

import (
	"slices"
	"strings"
)

// Level of a division.
type Level string

const (
	Province   Level = "province"
	Prefecture Level = "prefecture"
	County     Level = "county"
)

// Region is one division.
type Region struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"nameEn"`
	Level  Level  `json:"level"`
}

var table = []Region{
	{"110000", "北京市", "Beijing", Province},
	{"120000", "天津市", "Tianjin", Province},
	{"130000", "河北省", "Hebei", Province},
	{"140000", "山西省", "Shanxi", Province},
	{"150000", "内蒙古自治区", "Inner Mongolia", Province},
	{"210000", "辽宁省", "Liaoning", Province},
	{"220000", "吉林省", "Jilin", Province},
	{"230000", "黑龙江省", "Heilongjiang", Province},
	{"310000", "上海市", "Shanghai", Province},
	{"320000", "江苏省", "Jiangsu", Province},
	{"330000", "浙江省", "Zhejiang", Province},
	{"340000", "安徽省", "Anhui", Province},
	{"350000", "福建省", "Fujian", Province},
	{"360000", "江西省", "Jiangxi", Province},
	{"370000", "山东省", "Shandong", Province},
	{"410000", "河南省", "Henan", Province},
	{"420000", "湖北省", "Hubei", Province},
	{"430000", "湖南省", "Hunan", Province},
	{"440000", "广东省", "Guangdong", Province},
	{"450000", "广西壮族自治区", "Guangxi", Province},
	{"460000", "海南省", "Hainan", Province},
	{"500000", "重庆市", "Chongqing", Province},
	{"510000", "四川省", "Sichuan", Province},
	{"520000", "贵州省", "Guizhou", Province},
	{"530000", "云南省", "Yunnan", Province},
	{"540000", "西藏自治区", "Tibet", Province},
	{"610000", "陕西省", "Shaanxi", Province},
	{"620000", "甘肃省", "Gansu", Province},
	{"630000", "青海省", "Qinghai", Province},
	{"640000", "宁夏回族自治区", "Ningxia", Province},
	{"650000", "新疆维吾尔自治区", "Xinjiang", Province},
	{"710000", "台湾省", "Taiwan", Province},
	{"810000", "香港特别行政区", "Hong Kong", Province},
	{"820000", "澳门特别行政区", "Macao", Province},
	// Anhui: the demo alliance (after the blue book's Anhui mental health alliance).
	{"340100", "合肥市", "Hefei", Prefecture},
	{"340102", "合肥市瑶海区", "Yaohai, Hefei", County},
	{"340103", "合肥市庐阳区", "Luyang, Hefei", County},
	{"340104", "合肥市蜀山区", "Shushan, Hefei", County},
	{"340111", "合肥市包河区", "Baohe, Hefei", County},
	{"340121", "长丰县", "Changfeng County", County},
	{"340122", "肥东县", "Feidong County", County},
	{"340123", "肥西县", "Feixi County", County},
	{"340124", "庐江县", "Lujiang County", County},
	{"340181", "巢湖市", "Chaohu", County},
	{"340500", "马鞍山市", "Ma'anshan", Prefecture},
	{"341600", "亳州市", "Bozhou", Prefecture},
	{"341700", "池州市", "Chizhou", Prefecture},
}

// All returns every embedded division, provinces first.
func All() []Region { return slices.Clone(table) }

// Lookup returns the division for code. A code not embedded but inside a
// known province resolves to a region named after the province; ok is false
// only when the code is malformed or its province unknown.
func Lookup(code string) (Region, bool) {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return Region{}, false
	}
	for _, r := range table {
		if r.Code == code {
			return r, true
		}
	}
	prov := code[:2] + "0000"
	for _, r := range table {
		if r.Code == prov {
			lvl := County
			if code[4:] == "00" {
				lvl = Prefecture
			}
			return Region{Code: code, Name: r.Name + "（" + code + "）", NameEn: r.NameEn + " (" + code + ")", Level: lvl}, true
		}
	}
	return Region{}, false
}

// Provinces returns the province-level divisions.
func Provinces() []Region {
	var out []Region
	for _, r := range table {
		if r.Level == Province {
			out = append(out, r)
		}
	}
	return out
}
