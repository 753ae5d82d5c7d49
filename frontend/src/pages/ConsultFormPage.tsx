// "Ask a specialist": a grass-root doctor's eConsult about a patient with a
// teleconsultation consent, to a member institution's queue or a named consultant.
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, App, Button, Card, Col, Form, Input, Radio, Row, Select, Space, Typography } from 'antd';
import { ArrowLeftOutlined, PlusOutlined } from '@ant-design/icons';
import { createConsult, listConsultants } from '../api/consults';
import { listMembers } from '../api/directory';
import { getPatient, listConsents } from '../api/patients';
import type { ConsentScope, ConsultUrgency, Patient, SubSpecialty } from '../api/types';
import { CONSULT_URGENCIES } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, enumOptions } from '../i18n/enums';
import { ConsentForm } from '../components/ConsentForm';
import { Icd10Select } from '../components/Icd10Select';
import { PatientFormModal } from '../components/PatientFormModal';
import { PatientSelect } from '../components/PatientSelect';
import { membersByLevel } from '../consults/logic';
import { placeError, showFormError } from '../utils/formErrors';
import { useLoad } from '../utils/useLoad';

interface Values {
  targetInstitutionId: string;
  specialistUserId?: string;
  subSpecialty?: SubSpecialty;
  urgency: ConsultUrgency;
  question: string;
  summary: string;
  diagnoses: string[];
}

const FIELDS = ['targetInstitutionId', 'specialistUserId', 'subSpecialty', 'urgency', 'question', 'summary', 'diagnoses'] as const;
const half = { xs: 24, lg: 12 };
export function ConsultFormPage() {
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [params] = useSearchParams();

  const [patient, setPatient] = useState<Patient | null>(null);
  const [patientError, setPatientError] = useState('');
  const [registering, setRegistering] = useState(false);
  const [busy, setBusy] = useState(false);

  const preset = params.get('patientId');
  useEffect(() => {
    if (!preset) return;
    let live = true;
    getPatient(preset)
      .then((p) => live && setPatient((cur) => cur ?? p))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [preset]);

  const consents = useLoad(
    () => (patient ? listConsents(patient.id).then((r) => r.items) : Promise.resolve([])),
    [patient?.id],
  );
  const tele = consents.data?.find((c) => c.scope === 'teleconsult');
  const referral = consents.data?.find((c) => c.scope === 'referral');
  const missing: ConsentScope | null = !tele ? 'teleconsult' : !referral ? 'referral' : null;

  const alliances = me.alliances ?? [];
  const members = useLoad(
    () => Promise.all(alliances.map((a) => listMembers(a.id).then((r) => r.items))).then((xs) => xs.flat()),
    [alliances.map((a) => a.id).join(',')],
  );
  const targets = useMemo(() => membersByLevel(members.data ?? [], me.institutionId), [members.data, me.institutionId]);

  // Start with the alliance's core hospital (its initiator) as the institution asked.
  useEffect(() => {
    if (!targets.length || form.getFieldValue('targetInstitutionId')) return;
    const initiator = alliances.find((a) => a.initiatorId !== me.institutionId)?.initiatorId;
    const pick = targets.find((m) => m.institutionId === initiator) ?? targets[0];
    form.setFieldValue('targetInstitutionId', pick.institutionId);
  }, [targets, alliances, me.institutionId, form]);

  const target = Form.useWatch('targetInstitutionId', form);
  const consultants = useLoad(
    () => (target ? listConsultants(target).then((r) => r.items) : Promise.resolve([])),
    [target],
  );
  useEffect(() => {
    const chosen = form.getFieldValue('specialistUserId') as string | undefined;
    if (chosen && consultants.data && !consultants.data.some((u) => u.id === chosen)) {
      form.setFieldValue('specialistUserId', undefined);
    }
  }, [consultants.data, form]);

  const toPatient = (text: string) => {
    setPatientError(text);
    window.scrollTo({ top: 0, behavior: 'smooth' });
  };

  const send = async () => {
    let v: Values;
    try {
      v = await form.validateFields();
    } catch (err) {
      const first = (err as { errorFields?: { name: (string | number)[] }[] }).errorFields?.[0];
      if (!patient) toPatient(t('referralForm.needPatient'));
      else if (first) form.scrollToField(first.name, { block: 'center' });
      return;
    }
    if (!patient) return toPatient(t('referralForm.needPatient'));
    if (!tele) return toPatient(t('consultForm.needConsent'));
    setBusy(true);
    try {
      const c = await createConsult({
        patientId: patient.id,
        targetInstitutionId: v.targetInstitutionId,
        specialistUserId: v.specialistUserId || undefined,
        subSpecialty: v.subSpecialty || undefined,
        urgency: v.urgency,
        question: v.question.trim(),
        summary: v.summary.trim(),
        diagnoses: v.diagnoses ?? [],
      });
      message.success(t('consultForm.created'));
      navigate(`/consults/${c.id}`);
    } catch (e) {
      const placed = placeError(e, ['patientId'], t('common.failed'));
      if (placed.field === 'patientId') toPatient(placed.message);
      else showFormError(form, e, FIELDS, t('common.failed'), (m) => message.error(m));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="consult-form-page">
      <Space wrap>
        <Link to="/consults">
          <Button icon={<ArrowLeftOutlined />}>{t('consults.back')}</Button>
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('consultForm.title')}
        </Typography.Title>
      </Space>

      <Card title={t('referralForm.patientSection')} data-testid="consult-patient-card">
        <Row gutter={[16, 12]} align="middle">
          <Col xs={24} lg={16}>
            <PatientSelect
              value={patient}
              onChange={(p) => {
                setPatient(p);
                setPatientError('');
              }}
              status={patientError ? 'error' : undefined}
              data-testid="consult-patient"
            />
          </Col>
          <Col xs={24} lg={8}>
            <Button icon={<PlusOutlined />} onClick={() => setRegistering(true)} data-testid="consult-register-patient">
              {t('referralForm.registerPatient')}
            </Button>
          </Col>
        </Row>
        {patientError ? (
          <Typography.Text type="danger" data-testid="consult-patient-error">
            {patientError}
          </Typography.Text>
        ) : null}
        {patient && !consents.loading ? (
          <Space orientation="vertical" style={{ width: '100%', marginTop: 12 }}>
            {tele ? (
              <Alert
                type="success"
                showIcon
                data-testid="consult-consent-teleconsult-ok"
                title={t('consultForm.teleconsultOk', { signer: tele.signerName, date: tele.signedOn })}
              />
            ) : (
              <Alert type="warning" showIcon data-testid="consult-consent-teleconsult-missing" title={t('consultForm.teleconsultMissing')} />
            )}
            {referral ? (
              <Alert
                type="success"
                showIcon
                data-testid="consult-consent-referral-ok"
                title={t('referralForm.consentOk', { signer: referral.signerName, date: referral.signedOn })}
              />
            ) : (
              <Alert type="info" showIcon data-testid="consult-consent-referral-missing" title={t('consultForm.referralConsentHint')} />
            )}
            {missing ? (
              <div style={{ maxWidth: 520 }}>
                <ConsentForm
                  key={missing}
                  patientId={patient.id}
                  defaultScope={missing}
                  onAdded={() => {
                    setPatientError('');
                    consents.reload();
                  }}
                />
              </div>
            ) : null}
          </Space>
        ) : null}
      </Card>

      <Form<Values>
        form={form}
        layout="vertical"
        data-testid="consult-form"
        initialValues={{ urgency: 'routine', diagnoses: [] }}
        onFinish={() => void send()}
      >
        <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
          <Card title={t('consultForm.whom')}>
            <Row gutter={16}>
              <Col {...half}>
                <Form.Item name="targetInstitutionId" label={t('consult.target')} rules={[{ required: true }]}>
                  <Select
                    showSearch={{ optionFilterProp: 'label' }}
                    loading={members.loading}
                    options={targets.map((m) => ({
                      value: m.institutionId,
                      label: m.institution?.name ?? m.institutionId,
                    }))}
                    data-testid="consult-target"
                  />
                </Form.Item>
              </Col>
              <Col {...half}>
                <Form.Item name="specialistUserId" label={t('consult.consultant')} extra={t('consultForm.consultantHint')}>
                  <Select
                    allowClear
                    loading={consultants.loading}
                    placeholder={t('consultForm.toQueue')}
                    options={(consultants.data ?? []).map((u) => ({
                      value: u.id,
                      label: `${u.displayName} · ${enumLabel(t, 'title', u.title)} · ${t('consult.years', { n: u.practiceYears })}`,
                    }))}
                    data-testid="consult-specialist"
                  />
                </Form.Item>
              </Col>
              <Col {...half}>
                <Form.Item name="subSpecialty" label={t('field.subSpecialty')}>
                  <Select allowClear placeholder={t('referralForm.anySubSpecialty')} options={enumOptions(t, 'sub')} data-testid="consult-subSpecialty" />
                </Form.Item>
              </Col>
              <Col {...half}>
                <Form.Item name="urgency" label={t('field.urgency')} rules={[{ required: true }]}>
                  <Radio.Group
                    optionType="button"
                    buttonStyle="solid"
                    options={CONSULT_URGENCIES.map((u) => ({ value: u, label: enumLabel(t, 'urgency', u) }))}
                    data-testid="consult-urgency"
                  />
                </Form.Item>
              </Col>
            </Row>
          </Card>
          <Card title={t('consultForm.clinical')}>
            <Form.Item name="question" label={t('consult.question')} rules={[{ required: true, whitespace: true }]}>
              <Input.TextArea rows={3} maxLength={4000} data-testid="consult-question" />
            </Form.Item>
            <Form.Item name="summary" label={t('field.summary')} rules={[{ required: true, whitespace: true }]}>
              <Input.TextArea rows={5} maxLength={8000} data-testid="consult-summary" />
            </Form.Item>
            <Form.Item name="diagnoses" label={t('field.diagnoses')}>
              <Icd10Select data-testid="consult-diagnoses" />
            </Form.Item>
          </Card>
          <Space wrap>
            <Button type="primary" loading={busy} onClick={() => void send()} data-testid="consult-submit">
              {t('consultForm.submit')}
            </Button>
            <Typography.Text type="secondary">{t('consultForm.submitHint')}</Typography.Text>
          </Space>
        </Space>
      </Form>

      <PatientFormModal
        open={registering}
        onClose={() => setRegistering(false)}
        onSaved={(p) => {
          setRegistering(false);
          setPatient(p);
          setPatientError('');
        }}
      />
    </Space>
  );
}
