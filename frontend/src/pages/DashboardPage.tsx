// The alliance analytics dashboard: volume trend, KPIs, times, referral flows (Sankey), consult
// activity, members and the annual-goal scoreboard. Aggregates only; small cells show as "<5".
// Administrators see their alliance; a convener sees their own institution against its goals.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Alert, Button, Card, Col, DatePicker, Drawer, InputNumber, Row, Segmented, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { ECharts, EChartsOption } from 'echarts';
import dayjs, { type Dayjs } from 'dayjs';
import {
  getConsults,
  getFlows,
  getKPIs,
  getMembers,
  getScoreboard,
  getTimes,
  getVolume,
  listMeasures,
  type AnalyticsFilter,
  type Consults,
  type Direction,
  type Flows,
  type Interval,
  type KPIs,
  type MemberScore,
  type Members,
  type Scoreboard,
  type Times,
  type Volume,
} from '../api/analytics';
import { listAlliances, listMembers, listRegions } from '../api/directory';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import type { DictKey } from '../i18n/zh';
import { useLoad } from '../utils/useLoad';
import { errorText } from '../utils/errorText';
import { EChart, chartPng } from '../analytics/EChart';
import { GoalsEditor } from '../analytics/GoalsEditor';
import {
  DIRECTION_COLORS,
  buildCsv,
  chinaDate,
  download,
  flowsCsv,
  measureLabel,
  sankeyShape,
  showCount,
  showValue,
  smallLabel,
  volumeCsv,
  volumeSeries,
} from '../analytics/logic';

const POLL_MS = 30_000;

interface Data {
  volume: Volume;
  kpis: KPIs;
  times: Times;
  flows: Flows;
  members: Members;
  consults: Consults;
}

/** A panel with CSV (and, for a chart, PNG) export buttons. */
function Panel(props: { id: string; title: string; csv: () => string; chart?: () => ECharts | undefined; children: ReactNode }) {
  const { t } = useI18n();
  const extra = (
    <Space size="small">
      <Button size="small" data-testid={`dash-${props.id}-csv`} onClick={() => download(`${props.id}.csv`, props.csv())}>
        CSV
      </Button>
      {props.chart ? (
        <Button
          size="small"
          data-testid={`dash-${props.id}-png`}
          onClick={() => {
            const c = props.chart?.();
            if (c) download(`${props.id}.png`, chartPng(c));
          }}
        >
          PNG
        </Button>
      ) : null}
    </Space>
  );
  return (
    <Card title={props.title} extra={extra} data-testid={`dash-${props.id}`} size="small" aria-label={t('dash.export')}>
      {props.children}
    </Card>
  );
}

export function DashboardPage() {
  const me = useMe();
  const { t, lang } = useI18n();
  const admin = me.roles.includes('alliance_admin') || me.roles.includes('sysadmin');
  const today = chinaDate(Date.now());
  const [alliance, setAlliance] = useState<string>();
  const [institution, setInstitution] = useState<string>();
  const [direction, setDirection] = useState<'' | Direction>('');
  const [urgency, setUrgency] = useState<AnalyticsFilter['urgency']>('');
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs(today).subtract(11, 'month').startOf('month'), dayjs(today)]);
  const [interval, setInterval_] = useState<Interval>('month');
  const [year, setYear] = useState(Number(today.slice(0, 4)));
  const [tick, setTick] = useState(0);

  const alliances = useLoad(() => (admin ? listAlliances().then((r) => r.items) : Promise.resolve([])), [admin]);
  const regions = useLoad(() => listRegions().then((r) => r.items), []);
  const regionName = useMemo(() => {
    const m = new Map((regions.data ?? []).map((r) => [r.code, lang === 'en' && r.nameEn ? r.nameEn : r.name]));
    return (code: string) => m.get(code) ?? code;
  }, [regions.data, lang]);

  useEffect(() => {
    if (admin && !alliance && alliances.data?.length) setAlliance(alliances.data[0].id);
  }, [admin, alliance, alliances.data]);

  const filter: AnalyticsFilter = useMemo(
    () => ({
      alliance,
      institution: admin ? institution : undefined,
      direction,
      urgency,
      from: range[0].format('YYYY-MM-DD'),
      to: range[1].format('YYYY-MM-DD'),
      interval,
    }),
    [alliance, institution, admin, direction, urgency, range, interval],
  );
  const ready = !admin || !!alliance || (alliances.data !== undefined && alliances.data.length === 0);

  const [data, setData] = useState<Data>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<string>();
  const seq = useRef(0);
  useEffect(() => {
    if (!ready) return;
    const mine = ++seq.current;
    setLoading(true);
    Promise.all([getVolume(filter), getKPIs(filter), getTimes(filter), getFlows({ ...filter, limit: 40 }), getMembers(filter), getConsults(filter)])
      .then(([volume, kpis, times, flows, members, consults]) => {
        if (mine !== seq.current) return;
        setData({ volume, kpis, times, flows, members, consults });
        setError(null);
        setUpdatedAt(dayjs().format('HH:mm:ss'));
      })
      .catch((e: unknown) => mine === seq.current && setError(e))
      .finally(() => mine === seq.current && setLoading(false));
  }, [filter, ready, tick]);

  const score = useLoad<Scoreboard | undefined>(
    () => (ready ? getScoreboard(year, alliance) : Promise.resolve(undefined)),
    [year, alliance, ready, tick],
  );

  const [goalsOpen, setGoalsOpen] = useState(false);
  const members = useLoad(
    () => (admin && alliance ? listMembers(alliance).then((r) => r.items) : Promise.resolve([])),
    [admin, alliance],
  );
  const measures = useLoad(() => listMeasures().then((r) => r.items), []);

  // Live figures: poll while the page is open.
  useEffect(() => {
    const id = window.setInterval(() => setTick((n) => n + 1), POLL_MS);
    return () => window.clearInterval(id);
  }, []);
  const refresh = useCallback(() => setTick((n) => n + 1), []);

  const charts = useRef<Record<string, ECharts | undefined>>({});
  const keep = (id: string) => (c: ECharts | undefined) => {
    charts.current[id] = c;
  };

  const dirLabel = useCallback((d: Direction) => enumLabel(t, 'dir', d), [t]);
  const small = smallLabel(data?.kpis.scope.minCellSize);
  const rate = (v: Parameters<typeof showValue>[0]) => showValue(v, 'rate', small);
  const hours = (v: Parameters<typeof showValue>[0]) => showValue(v, 'hours', small);

  const volumeOption = useMemo<EChartsOption>(() => {
    if (!data) return {};
    const series = volumeSeries(data.volume);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      xAxis: { type: 'category', data: data.volume.periods },
      yAxis: { type: 'value', minInterval: 1 },
      series: series.map((s) => ({
        type: 'bar',
        stack: 'volume',
        name: dirLabel(s.direction),
        color: DIRECTION_COLORS[s.direction],
        data: s.data.map((v, i) => ({ value: v, label: s.labels[i] })),
        tooltip: { valueFormatter: (_v: unknown, i?: number) => (i === undefined ? '' : s.labels[i]) },
      })),
    } as EChartsOption;
  }, [data, dirLabel]);

  const timesOption = useMemo<EChartsOption>(() => {
    if (!data) return {};
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      xAxis: { type: 'category', data: data.times.kinds.map((k) => t(`dash.time.${k.kind}` as DictKey)) },
      yAxis: { type: 'value', name: 'h' },
      series: [
        { type: 'bar', name: t('dash.median'), data: data.times.kinds.map((k) => num(k.medianHours)) },
        { type: 'bar', name: 'P90', data: data.times.kinds.map((k) => num(k.p90Hours)) },
      ],
    };
  }, [data, t]);

  const sankeyOption = useMemo<EChartsOption>(() => {
    if (!data) return {};
    const s = sankeyShape(data.flows);
    return {
      tooltip: { trigger: 'item' },
      series: [
        {
          type: 'sankey',
          left: 8,
          right: 160,
          emphasis: { focus: 'adjacency' },
          nodeAlign: 'justify',
          data: s.nodes.map((n) => ({ name: n.name, label: { formatter: n.label } })),
          links: s.links.map((l) => ({
            source: l.source,
            target: l.target,
            value: l.value,
            lineStyle: { color: DIRECTION_COLORS[l.direction], opacity: 0.4 },
            tooltip: { formatter: `${s.nodes.find((n) => n.name === l.source)?.label} ${s.nodes.find((n) => n.name === l.target)?.label}: ${l.label}` },
          })),
        },
      ],
    } as EChartsOption;
  }, [data]);

  const c = data?.consults;
  const k = data?.kpis;
  const submitted = k?.counts.submitted;

  const kpiCards: { id: string; label: DictKey; value: string }[] = k
    ? [
        { id: 'submitted-total', label: 'dash.kpi.submitted', value: showCount(submitted?.total) },
        { id: 'submitted-up', label: 'dash.kpi.up', value: showCount(submitted?.up) },
        { id: 'submitted-down', label: 'dash.kpi.down', value: showCount(submitted?.down) },
        { id: 'submitted-lateral', label: 'dash.kpi.lateral', value: showCount(submitted?.lateral) },
        { id: 'updown', label: 'dash.kpi.upDown', value: showValue(k.upDownRatio, 'ratio', small) },
        { id: 'acceptance', label: 'dash.kpi.acceptance', value: rate(k.acceptanceRate) },
        { id: 'return', label: 'dash.kpi.return', value: rate(k.returnRate) },
        { id: 'redirect', label: 'dash.kpi.redirect', value: rate(k.redirectRate) },
        { id: 'cancel', label: 'dash.kpi.cancel', value: rate(k.cancellationRate) },
        { id: 'noshow', label: 'dash.kpi.noShow', value: rate(k.noShowRate) },
        { id: 'fasttrack', label: 'dash.kpi.fastTrack', value: showCount(k.fastTrack.submitted) },
        { id: 'sla', label: 'dash.kpi.sla', value: rate(k.fastTrack.compliance) },
        { id: 'followup', label: 'dash.kpi.followUp', value: rate(k.followUp.onTimeRate) },
        ...(data?.times.kinds ?? []).flatMap((tv) => [
          { id: `${tv.kind}-median`, label: `dash.kpi.${tv.kind}Median` as DictKey, value: hours(tv.medianHours) },
          { id: `${tv.kind}-p90`, label: `dash.kpi.${tv.kind}P90` as DictKey, value: hours(tv.p90Hours) },
        ]),
      ]
    : [];

  const consultRows: [DictKey, string][] = c
    ? [
        ['dash.c.asked', showCount(c.econsults.asked)],
        ['dash.c.answered', showCount(c.econsults.answered)],
        ['dash.c.resolvedShare', rate(c.econsults.resolvedWithoutReferralShare)],
        ['dash.c.median', hours(c.econsults.medianResponseHours)],
        ['dash.c.p90', hours(c.econsults.p90ResponseHours)],
        ['dash.c.videoHeld', showCount(c.video.held)],
        ['dash.c.videoMinutes', showValue(c.video.meanDurationMinutes, 'number', small)],
        ['dash.c.videoNoShow', showCount(c.video.noShow)],
        ['dash.c.rounds', showCount(c.wardRounds.held)],
        ['dash.c.roundCases', showCount(c.wardRounds.cases)],
        ['dash.c.roundAttendees', showCount(c.wardRounds.attendees)],
        ['dash.c.lectures', showCount(c.lectures.held)],
        ['dash.c.lectureAttendees', showCount(c.lectures.attendees)],
        ['dash.c.staffTrained', showCount(c.lectures.staffTrained)],
      ]
    : [];

  const memberCols = [
    t('dash.m.institution'),
    t('dash.m.region'),
    t('dash.m.role'),
    t('dash.m.sentUp'),
    t('dash.m.sentDown'),
    t('dash.m.received'),
    t('dash.kpi.acceptance'),
    t('dash.kpi.sla'),
    t('dash.kpi.followUp'),
    t('dash.c.asked'),
  ];
  const memberRows = (data?.members.items ?? []).map((m) => [
    m.institution.name,
    regionName(m.institution.regionCode),
    enumLabel(t, 'mrole', m.role),
    showCount(m.sent.up),
    showCount(m.sent.down),
    showCount(m.received.total),
    rate(m.acceptanceRate),
    rate(m.fastTrackCompliance),
    rate(m.followUpOnTimeRate),
    showCount(m.econsultsAsked),
  ]);
  const scoreCols = [t('dash.s.rank'), t('dash.m.institution'), t('dash.s.score'), t('dash.s.rating'), t('dash.s.attained'), t('dash.s.goals')];
  const scoreRows = (score.data?.items ?? []).map((s) => [
    s.rank || '—',
    s.institution.name,
    showValue(s.score, 'number', small),
    t(`dash.rating.${s.rating}` as DictKey),
    s.attained,
    s.goals.length,
  ]);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="dashboard">
      <Card size="small">
        <Space wrap>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {admin ? t('dash.title') : t('dash.ownTitle')}
          </Typography.Title>
          {admin && (alliances.data?.length ?? 0) > 1 ? (
            <Select
              data-testid="dash-alliance"
              style={{ minWidth: 200 }}
              value={alliance}
              onChange={(v) => {
                setAlliance(v);
                setInstitution(undefined);
              }}
              options={(alliances.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
            />
          ) : null}
          {admin ? (
            <Select
              data-testid="dash-institution"
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              style={{ minWidth: 220 }}
              placeholder={t('dash.allMembers')}
              value={institution}
              onChange={setInstitution}
              options={(data?.members.items ?? []).map((m) => ({ value: m.institution.id, label: m.institution.name }))}
            />
          ) : null}
          <Select
            data-testid="dash-direction"
            style={{ minWidth: 120 }}
            value={direction}
            onChange={setDirection}
            options={[{ value: '', label: t('dash.allDirections') }, ...(['up', 'down', 'lateral'] as const).map((d) => ({ value: d, label: dirLabel(d) }))]}
          />
          <Select
            data-testid="dash-urgency"
            style={{ minWidth: 120 }}
            value={urgency}
            onChange={setUrgency}
            options={[
              { value: '', label: t('dash.allUrgencies') },
              ...(['routine', 'urgent', 'fast_track'] as const).map((u) => ({ value: u, label: enumLabel(t, 'urgency', u) })),
            ]}
          />
          <DatePicker.RangePicker
            data-testid="dash-range"
            allowClear={false}
            value={range}
            onChange={(v) => v && v[0] && v[1] && setRange([v[0], v[1]])}
          />
          <Segmented<Interval>
            data-testid="dash-interval"
            value={interval}
            onChange={setInterval_}
            options={(['month', 'week', 'day'] as const).map((v) => ({ value: v, label: t(`dash.grain.${v}`) }))}
          />
          <Button data-testid="dash-refresh" loading={loading} onClick={refresh}>
            {t('dash.refresh')}
          </Button>
          {updatedAt ? (
            <Typography.Text type="secondary" data-testid="dash-updated">
              {t('dash.updated', { time: updatedAt })}
            </Typography.Text>
          ) : null}
        </Space>
        <div>
          <Typography.Text type="secondary">{t('dash.privacy', { n: small })}</Typography.Text>
        </div>
      </Card>
      {error ? <Alert type="error" showIcon data-testid="dash-error" title={errorText(error, t('dash.loadFailed'))} /> : null}

      {data ? (
        <>
          <Panel id="kpis" title={t('dash.kpis')} csv={() => buildCsv([t('dash.measure'), t('dash.value')], kpiCards.map((x) => [t(x.label), x.value]))}>
            <Row gutter={[12, 12]}>
              {kpiCards.map((x) => (
                <Col key={x.id} xs={12} sm={8} md={6} lg={4}>
                  <Card size="small">
                    <Statistic title={t(x.label)} valueRender={() => <span data-testid={`kpi-${x.id}`}>{x.value}</span>} />
                  </Card>
                </Col>
              ))}
            </Row>
          </Panel>
          <Row gutter={[16, 16]}>
            <Col xs={24} lg={14}>
              <Panel id="volume" title={t('dash.volume')} csv={() => volumeCsv(data.volume, dirLabel, t('dash.period'))} chart={() => charts.current.volume}>
                <EChart option={volumeOption} testId="chart-volume" onReady={keep('volume')} />
              </Panel>
            </Col>
            <Col xs={24} lg={10}>
              <Panel
                id="times"
                title={t('dash.times')}
                chart={() => charts.current.times}
                csv={() =>
                  buildCsv(
                    [t('dash.measure'), 'n', t('dash.median'), 'P90'],
                    data.times.kinds.map((x) => [t(`dash.time.${x.kind}` as DictKey), showCount(x.n), hours(x.medianHours), hours(x.p90Hours)]),
                  )
                }
              >
                <EChart option={timesOption} testId="chart-times" onReady={keep('times')} />
              </Panel>
            </Col>
          </Row>
          <Panel
            id="flows"
            title={t('dash.flows')}
            chart={() => charts.current.flows}
            csv={() => flowsCsv(data.flows, [t('dash.f.sender'), t('dash.f.receiver'), t('dash.f.direction'), t('dash.f.count')], dirLabel)}
          >
            {data.flows.links.length ? (
              <EChart option={sankeyOption} height={Math.max(320, data.flows.nodes.length * 28)} testId="chart-flows" onReady={keep('flows')} />
            ) : (
              <Typography.Text type="secondary">{t('dash.noFlows')}</Typography.Text>
            )}
            {data.flows.otherLinks ? (
              <Typography.Text type="secondary">{t('dash.otherFlows', { links: data.flows.otherLinks, n: showCount(data.flows.otherCount) })}</Typography.Text>
            ) : null}
          </Panel>
          <Panel id="consults" title={t('dash.consults')} csv={() => buildCsv([t('dash.measure'), t('dash.value')], consultRows.map(([l, v]) => [t(l), v]))}>
            <Row gutter={[12, 12]}>
              {consultRows.map(([l, v]) => (
                <Col key={l} xs={12} sm={8} md={6} lg={4}>
                  <Statistic title={t(l)} valueRender={() => <span data-testid={`consult-${l.slice(7)}`}>{v}</span>} />
                </Col>
              ))}
            </Row>
          </Panel>
          <Panel id="members" title={t('dash.members')} csv={() => buildCsv(memberCols, memberRows)}>
            <Table
              data-testid="dash-members-table"
              size="small"
              rowKey={(r) => String(r[0]) + r[1]}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              scroll={{ x: true }}
              dataSource={memberRows}
              columns={memberCols.map((title, i) => ({ title, key: String(i), render: (_: unknown, r: unknown[]) => String(r[i]) }))}
            />
          </Panel>
        </>
      ) : null}

      <Panel id="scoreboard" title={t('dash.scoreboard')} csv={() => buildCsv(scoreCols, scoreRows)}>
        <Space style={{ marginBottom: 8 }}>
          <span>{t('dash.year')}</span>
          <InputNumber data-testid="dash-year" min={2000} max={2100} value={year} onChange={(v) => v && setYear(v)} />
          {admin && alliance ? (
            <Button data-testid="dash-goals" onClick={() => setGoalsOpen(true)}>
              {t('goals.manage')}
            </Button>
          ) : null}
        </Space>
        {score.error ? <Alert type="error" showIcon title={errorText(score.error, t('dash.loadFailed'))} /> : null}
        <Table
          data-testid="dash-scoreboard-table"
          size="small"
          rowKey={(r) => String(r[1])}
          pagination={false}
          locale={{ emptyText: t('dash.noGoals') }}
          dataSource={scoreRows}
          expandable={{ expandedRowRender: (_r, i) => goalDetail(score.data?.items[i]) }}
          columns={scoreCols.map((title, i) => ({
            title,
            key: String(i),
            render: (_: unknown, r: unknown[]) =>
              i === 3 ? <Tag color={{ [t('dash.rating.attained')]: 'green', [t('dash.rating.partly')]: 'gold', [t('dash.rating.not')]: 'red' }[String(r[3])]}>{String(r[3])}</Tag> : String(r[i]),
          }))}
        />
      </Panel>
      {admin && alliance ? (
        <Drawer
          open={goalsOpen}
          onClose={() => setGoalsOpen(false)}
          title={`${t('goals.manage')} · ${year}`}
          size="large"
          destroyOnHidden
          data-testid="goals-drawer"
        >
          <GoalsEditor
            allianceId={alliance}
            year={year}
            members={(members.data ?? []).map((m) => ({ id: m.institutionId, name: m.institution?.name ?? m.institutionId }))}
            onChanged={score.reload}
          />
        </Drawer>
      ) : null}
    </Space>
  );

  /** One member's goals: measure, target, actual and rating. */
  function goalDetail(m: MemberScore | undefined) {
    const info = new Map((measures.data ?? []).map((x) => [x.key, x]));
    const unit = (kind: string | undefined) => (kind === 'percent' ? '%' : kind === 'hours' ? ' h' : '');
    return (
      <Table
        size="small"
        pagination={false}
        rowKey={(g) => g.goal.id}
        data-testid="dash-scoreboard-goals"
        dataSource={m?.goals ?? []}
        columns={[
          { title: t('dash.s.detail.measure'), key: 'm', render: (_, g) => (info.get(g.goal.measure) ? measureLabel(info.get(g.goal.measure)!, lang) : g.goal.measure) },
          { title: t('dash.s.detail.target'), key: 't', render: (_, g) => `${g.goal.target}${unit(info.get(g.goal.measure)?.kind)}` },
          {
            title: t('dash.s.detail.actual'),
            key: 'a',
            render: (_, g) => {
              const v = showValue(g.actual, 'number', small);
              return typeof g.actual === 'number' ? v + unit(info.get(g.goal.measure)?.kind) : v;
            },
          },
          { title: t('dash.s.rating'), key: 'r', render: (_, g) => t(`dash.rating.${g.rating}` as DictKey) },
        ]}
      />
    );
  }
}
