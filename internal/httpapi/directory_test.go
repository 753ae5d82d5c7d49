package httpapi

import (
	"testing"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestDirectoryScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		const insts = "/api/v1/institutions"
		const members = "/api/v1/alliances/{{alliance}}/members"
		const newInst = `{"name":"长丰县精神卫生中心","level":"second_grade","kind":"psychiatric_hospital","regionCode":"340121",` +
			`"subSpecialties":["general_adult","mood","mood"],"beds":120}`
		// badInst posts an institution that must be refused with a 400 naming field.
		badInst := func(name, body, field string) scenario {
			return scenario{name: "create institution: " + name, actor: "admin", method: "POST", path: insts, body: body,
				unchanged: insts, wantStatus: 400, wantContains: invalid(field)}
		}
		badMember := func(name, body, field string) scenario {
			return scenario{name: "add member: " + name, actor: "admin", method: "POST", path: members, body: body,
				unchanged: members, wantStatus: 400, wantContains: invalid(field)}
		}
		e.run(t, []scenario{
			{name: "regions", actor: "chc-doctor", method: "GET", path: "/api/v1/regions", wantStatus: 200,
				wantContains: []string{`"items":[`, `"code":"340104"`, `"name":"合肥市蜀山区"`}},
			{name: "institutions for a doctor", actor: "chc-doctor", method: "GET", path: insts, wantStatus: 200,
				wantContains: []string{"肥西县精神病医院", "合肥市蜀山区三里庵街道社区卫生服务中心", `"regionName":"合肥市蜀山区"`}},
			{name: "institutions by level", actor: "chc-doctor", method: "GET", path: insts + "?level=chc", wantStatus: 200,
				wantContains: []string{"合肥市蜀山区三里庵街道社区卫生服务中心"}, wantNotContains: []string{"肥西县精神病医院", `"level":"tertiary"`}},
			{name: "institutions by name", actor: "chc-doctor", method: "GET", path: insts + "?q=%E8%82%A5%E8%A5%BF", wantStatus: 200,
				wantContains: []string{"肥西县精神病医院", "肥西县三河镇卫生院"}, wantNotContains: []string{"肥东"}},
			{name: "institutions by unknown level", actor: "chc-doctor", method: "GET", path: insts + "?level=hospital",
				wantStatus: 400, wantContains: invalid("level")},
			{name: "unknown institution", actor: "chc-doctor", method: "GET", path: insts + "/no-such-id",
				wantStatus: 404, wantContains: []string{`"code":"not_found"`}},
			{name: "directory needs a login", method: "GET", path: insts, wantStatus: 401},

			// Only administrators write the directory.
			{name: "doctor cannot create an institution", actor: "chc-doctor", method: "POST", path: insts, body: newInst,
				unchanged: insts, wantStatus: 403, wantContains: []string{`"code":"forbidden"`}},
			{name: "specialist cannot create an institution", actor: "specialist", method: "POST", path: insts, body: newInst,
				unchanged: insts, wantStatus: 403, wantContains: []string{`"code":"forbidden"`}},

			badInst("malformed JSON", `{"name":"x",`, "body"),
			badInst("not JSON", `name=x`, "body"),
			badInst("name of wrong type", `{"name":["x"],"level":"chc","kind":"chc","regionCode":"340104"}`, "name"),
			badInst("missing name", `{"level":"chc","kind":"chc","regionCode":"340104"}`, "name"),
			badInst("blank name", `{"name":"   ","level":"chc","kind":"chc","regionCode":"340104"}`, "name"),
			badInst("NUL in name", `{"name":"a\u0000b","level":"chc","kind":"chc","regionCode":"340104"}`, "name"),
			badInst("unknown level", `{"name":"x","level":"quaternary","kind":"chc","regionCode":"340104"}`, "level"),
			badInst("missing level", `{"name":"x","kind":"chc","regionCode":"340104"}`, "level"),
			badInst("level of wrong type", `{"name":"x","level":3,"kind":"chc","regionCode":"340104"}`, "level"),
			badInst("unknown kind", `{"name":"x","level":"chc","kind":"spa","regionCode":"340104"}`, "kind"),
			badInst("unknown region", `{"name":"x","level":"chc","kind":"chc","regionCode":"999999"}`, "regionCode"),
			badInst("region of wrong type", `{"name":"x","level":"chc","kind":"chc","regionCode":340104}`, "regionCode"),
			badInst("unknown sub-specialty", `{"name":"x","level":"chc","kind":"chc","regionCode":"340104","subSpecialties":["astrology"]}`, "subSpecialties"),
			badInst("sub-specialties not an array", `{"name":"x","level":"chc","kind":"chc","regionCode":"340104","subSpecialties":"mood"}`, "subSpecialties"),
			badInst("beds of wrong type", `{"name":"x","level":"chc","kind":"chc","regionCode":"340104","beds":"many"}`, "beds"),
			badInst("fractional beds", `{"name":"x","level":"chc","kind":"chc","regionCode":"340104","beds":1.5}`, "beds"),
			badInst("negative beds", `{"name":"x","level":"chc","kind":"chc","regionCode":"340104","beds":-1}`, "beds"),
			badInst("unknown field", `{"name":"x","level":"chc","kind":"chc","regionCode":"340104","capacity":3}`, "capacity"),
			{name: "create institution: body over 1 MB", actor: "admin", method: "POST", path: insts, body: bigJSON,
				unchanged: insts, wantStatus: 413, wantContains: []string{`"code":"too_large"`}},

			{name: "admin creates an institution", actor: "admin", method: "POST", path: insts, body: newInst, wantStatus: 201,
				wantContains: []string{`"name":"长丰县精神卫生中心"`, `"level":"second_grade"`, `"regionName":"长丰县"`,
					`"subSpecialties":["general_adult","mood"]`, `"beds":120`},
				capture: map[string]string{"newInst": "id"}},
			{name: "the new institution is listed", actor: "chc-doctor", method: "GET", path: insts, wantStatus: 200,
				wantContains: []string{`"id":"{{newInst}}"`}},
			{name: "same name in the same region is a conflict", actor: "admin", method: "POST", path: insts, body: newInst,
				unchanged: insts, wantStatus: 409, wantContains: []string{`"code":"conflict"`}},
			{name: "patch institution", actor: "admin", method: "PATCH", path: insts + "/{{newInst}}", body: `{"beds":150}`,
				wantStatus: 200, wantContains: []string{`"beds":150`, `"name":"长丰县精神卫生中心"`}},
			{name: "patch institution with unknown kind", actor: "admin", method: "PATCH", path: insts + "/{{newInst}}",
				body: `{"kind":"spa"}`, unchanged: insts + "/{{newInst}}", wantStatus: 400, wantContains: invalid("kind")},
			{name: "patch institution with unknown field", actor: "admin", method: "PATCH", path: insts + "/{{newInst}}",
				body: `{"id":"other"}`, unchanged: insts + "/{{newInst}}", wantStatus: 400, wantContains: invalid("id")},
			{name: "patch institution malformed", actor: "admin", method: "PATCH", path: insts + "/{{newInst}}",
				body: `{"beds":}`, unchanged: insts + "/{{newInst}}", wantStatus: 400, wantContains: invalid("body")},
			{name: "patch institution with beds of wrong type", actor: "admin", method: "PATCH", path: insts + "/{{newInst}}",
				body: `{"beds":"150"}`, unchanged: insts + "/{{newInst}}", wantStatus: 400, wantContains: invalid("beds")},
			{name: "patch unknown institution", actor: "admin", method: "PATCH", path: insts + "/no-such-id", body: `{"beds":1}`,
				wantStatus: 404, wantContains: []string{`"code":"not_found"`}},
			{name: "doctor cannot patch an institution", actor: "county-doctor", method: "PATCH", path: insts + "/{{inst.county-doctor}}",
				body: `{"beds":1}`, unchanged: insts + "/{{inst.county-doctor}}", wantStatus: 403},

			// Alliances and memberships.
			{name: "alliances", actor: "chc-doctor", method: "GET", path: "/api/v1/alliances", wantStatus: 200,
				wantContains: []string{`"id":"{{alliance}}"`, `"initiatorId":"{{inst.specialist}}"`, `"model":"vertical"`}},
			{name: "alliance", actor: "chc-doctor", method: "GET", path: "/api/v1/alliances/{{alliance}}", wantStatus: 200,
				wantContains: []string{`"establishedOn":"2015-06-01"`}},
			{name: "unknown alliance", actor: "chc-doctor", method: "GET", path: "/api/v1/alliances/no-such-id", wantStatus: 404,
				wantContains: []string{`"code":"not_found"`}},
			{name: "members", actor: "chc-doctor", method: "GET", path: members, wantStatus: 200,
				wantContains: []string{`"institutionId":"{{inst.chc-doctor}}"`, `"subRegionalExpertUserId":"{{user.specialist}}"`,
					`"convener":{"id":"{{user.convener}}"`, `"role":"core"`}},
			{name: "members of unknown alliance", actor: "chc-doctor", method: "GET", path: "/api/v1/alliances/no-such-id/members",
				wantStatus: 404},

			{name: "doctor cannot add a member", actor: "county-doctor", method: "POST", path: members,
				body: `{"institutionId":"{{newInst}}","role":"member","joinedOn":"2024-03-01"}`, unchanged: members,
				wantStatus: 403, wantContains: []string{`"code":"forbidden"`}},
			badMember("malformed JSON", `{"institutionId":`, "body"),
			badMember("unknown role", `{"institutionId":"{{newInst}}","role":"boss","joinedOn":"2024-03-01"}`, "role"),
			badMember("missing role", `{"institutionId":"{{newInst}}","joinedOn":"2024-03-01"}`, "role"),
			badMember("bad date", `{"institutionId":"{{newInst}}","role":"member","joinedOn":"01/03/2024"}`, "joinedOn"),
			badMember("missing date", `{"institutionId":"{{newInst}}","role":"member"}`, "joinedOn"),
			badMember("unknown institution", `{"institutionId":"no-such-id","role":"member","joinedOn":"2024-03-01"}`, "institutionId"),
			badMember("missing institution", `{"role":"member","joinedOn":"2024-03-01"}`, "institutionId"),
			badMember("institution of wrong type", `{"institutionId":7,"role":"member","joinedOn":"2024-03-01"}`, "institutionId"),
			badMember("convener from another institution",
				`{"institutionId":"{{newInst}}","role":"member","joinedOn":"2024-03-01","convenerUserId":"{{user.convener}}"}`, "convenerUserId"),
			badMember("expert who is not a specialist",
				`{"institutionId":"{{newInst}}","role":"member","joinedOn":"2024-03-01","subRegionalExpertUserId":"{{user.county-doctor}}"}`,
				"subRegionalExpertUserId"),
			badMember("unknown field", `{"institutionId":"{{newInst}}","role":"member","joinedOn":"2024-03-01","allianceId":"x"}`, "allianceId"),
			{name: "add member: body over 1 MB", actor: "admin", method: "POST", path: members, body: bigJSON,
				headers: map[string]string{"Transfer-Encoding": "chunked"}, unchanged: members,
				wantStatus: 413, wantContains: []string{`"code":"too_large"`}},
			{name: "add member to unknown alliance", actor: "admin", method: "POST", path: "/api/v1/alliances/no-such-id/members",
				body: `{"institutionId":"{{newInst}}","role":"member","joinedOn":"2024-03-01"}`, wantStatus: 404},

			{name: "admin adds a member", actor: "admin", method: "POST", path: members,
				body:       `{"institutionId":"{{newInst}}","role":"member","joinedOn":"2024-03-01","subRegionalExpertUserId":"{{user.specialist}}"}`,
				wantStatus: 201,
				wantContains: []string{`"allianceId":"{{alliance}}"`, `"institutionId":"{{newInst}}"`, `"name":"长丰县精神卫生中心"`,
					`"role":"member"`, `"joinedOn":"2024-03-01"`, `"convenerUserId":null`, `"convener":null`,
					`"subRegionalExpert":{"id":"{{user.specialist}}"`}},
			{name: "the member is listed", actor: "chc-doctor", method: "GET", path: members, wantStatus: 200,
				wantContains: []string{`"institutionId":"{{newInst}}"`}},
			{name: "duplicate membership is a conflict", actor: "admin", method: "POST", path: members,
				body: `{"institutionId":"{{newInst}}","role":"core","joinedOn":"2024-04-01"}`, unchanged: members,
				wantStatus: 409, wantContains: []string{`"code":"conflict"`}},
			{name: "patch member role", actor: "admin", method: "PATCH", path: members + "/{{newInst}}", body: `{"role":"core"}`,
				wantStatus: 200, wantContains: []string{`"role":"core"`, `"subRegionalExpertUserId":"{{user.specialist}}"`}},
			{name: "patch member clears the expert", actor: "admin", method: "PATCH", path: members + "/{{newInst}}",
				body: `{"subRegionalExpertUserId":""}`, wantStatus: 200,
				wantContains: []string{`"subRegionalExpertUserId":null`, `"subRegionalExpert":null`}},
			{name: "patch member with unknown role", actor: "admin", method: "PATCH", path: members + "/{{newInst}}",
				body: `{"role":"boss"}`, unchanged: members, wantStatus: 400, wantContains: invalid("role")},
			{name: "patch member cannot change the institution", actor: "admin", method: "PATCH", path: members + "/{{newInst}}",
				body: `{"institutionId":"{{inst.chc-doctor}}"}`, unchanged: members, wantStatus: 400, wantContains: invalid("institutionId")},
			{name: "patch member cannot change joinedOn", actor: "admin", method: "PATCH", path: members + "/{{newInst}}",
				body: `{"joinedOn":"2020-01-01"}`, unchanged: members, wantStatus: 400, wantContains: invalid("joinedOn")},
			{name: "patch membership of a non-member", actor: "admin", method: "PATCH", path: members + "/no-such-id",
				body: `{"role":"core"}`, wantStatus: 404},
			{name: "doctor cannot patch a member", actor: "county-doctor", method: "PATCH", path: members + "/{{newInst}}",
				body: `{"role":"member"}`, unchanged: members, wantStatus: 403},

			{name: "the initiator cannot be removed", actor: "admin", method: "DELETE", path: members + "/{{inst.specialist}}",
				unchanged: members, wantStatus: 409, wantContains: []string{`"code":"conflict"`, "initiator"}},
			{name: "doctor cannot remove a member", actor: "chc-doctor", method: "DELETE", path: members + "/{{newInst}}",
				unchanged: members, wantStatus: 403},
			{name: "remove a member", actor: "admin", method: "DELETE", path: members + "/{{newInst}}", wantStatus: 204},
			{name: "the removed member is gone", actor: "chc-doctor", method: "GET", path: members, wantStatus: 200,
				wantNotContains: []string{`"institutionId":"{{newInst}}"`}},
			{name: "remove it again", actor: "admin", method: "DELETE", path: members + "/{{newInst}}", wantStatus: 404},
			{name: "remove from unknown alliance", actor: "admin", method: "DELETE", path: "/api/v1/alliances/no-such-id/members/{{newInst}}",
				wantStatus: 404},
		})
	})
}
