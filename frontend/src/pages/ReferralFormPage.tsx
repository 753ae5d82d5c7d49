import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Col,
  Form,
  Input,
  Radio,
  Row,
  Select,
  Space,
  Typography,
  Upload,
  type UploadFile,
} from 'antd';
import { ArrowLeftOutlined, PlusOutlined, ThunderboltFilled, UploadOutlined } from '@ant-design/icons';
import { getPatient, listConsents } from '../api/patients';
import { createReferral, suggestReceivers, uploadAttachment } from '../api/referrals';
import type { Direction, Patient, ReferralInput, SubSpecialty, Urgency } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, enumOptions } from '../i18n/enums';
import { ConsentForm } from '../components/ConsentForm';
import { Icd10Select } from '../components/Icd10Select';
import { PatientFormModal } from '../components/PatientFormModal';
import { PatientSelect } from '../components/PatientSelect';
import { ReceiverPicker } from '../components/ReceiverPicker';
import {
  acceptableAttachment,
  ATTACHMENT_TYPES,
  defaultDirection,
  proposedUrgency,
  randomKey,
  submissionFor,
  suggestsFastTrack,
  type Submission,
} from '../referrals/logic';
import { placeError, showFormError } from '../utils/formErrors';
import { errorText } from '../utils/errorText';
import { useLoad } from '../utils/useLoad';

interface Values {
  direction: Direction;
  subSpecialty?: SubSpecialty;
  receiverInstitutionId: string;
  receiverDepartment?: string;
  urgency: Urgency;
  reason: string;
  summary: string;
  diagnoses: string[];
  riskGrade: number;
  unstable: boolean;
  medication?: string;
  dischargeSummary?: string;
  medicationPlan?: string;
  followUpPlan?: string;
}

const FIELDS = [
  'direction',
  'subSpecialty',
  'receiverInstitutionId',
  'receiverDepartment',
  'urgency',
  'reason',
  'summary',
  'diagnoses',
  'riskGrade',
  'unstable',
  'medication',
  'dischargeSummary',
  'medicationPlan',
  'followUpPlan',
] as const;

const half = { xs: 24, lg: 12 };

export function ReferralFormPage() {
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();

  const [params] = useSearchParams();
  const [patient, setPatient] = useState<Patient | null>(null);
  const [patientError, setPatientError] = useState('');
  // Opened from a patient's record (/referrals/new?patientId=…): start with that patient.
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
  const [registering, setRegistering] = useState(false);
  const consents = useLoad(
    () => (patient ? listConsents(patient.id).then((r) => r.items) : Promise.resolve([])),
    [patient?.id],
  );
  const referralConsent = consents.data?.find((c) => c.scope === 'referral');

  const direction = Form.useWatch('direction', form);
  const subSpecialty = Form.useWatch('subSpecialty', form);
  const riskGrade = Form.useWatch('riskGrade', form);
  const unstable = Form.useWatch('unstable', form);
  const urgency = Form.useWatch('urgency', form);

  const suggestions = useLoad(
    () => (direction ? suggestReceivers(direction, subSpecialty || undefined).then((r) => r.items) : Promise.resolve([])),
    [direction, subSpecialty],
  );

  // A receiver that no longer fits the direction is dropped.
  useEffect(() => {
    const chosen = form.getFieldValue('receiverInstitutionId') as string | undefined;
    if (chosen && suggestions.data && !suggestions.data.some((s) => s.institution.id === chosen)) {
      form.setFieldValue('receiverInstitutionId', undefined);
    }
  }, [suggestions.data, form]);

  // Risk grade 3–5 or unstable proposes the fast track: pre-select it once; the doctor may change it.
  const fastTrack = suggestsFastTrack(riskGrade, unstable);
  const wasFastTrack = useRef(false);
  useEffect(() => {
    if (fastTrack !== wasFastTrack.current) {
      form.setFieldValue('urgency', proposedUrgency(form.getFieldValue('urgency') as Urgency, wasFastTrack.current, fastTrack));
      wasFastTrack.current = fastTrack;
    }
  }, [fastTrack, form]);
  const why = [
    typeof riskGrade === 'number' && riskGrade >= 3 ? t('referralForm.whyRisk', { grade: riskGrade }) : '',
    unstable ? t('referralForm.whyUnstable') : '',
  ]
    .filter(Boolean)
    .join(t('common.listSeparator'));

  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState<'submit' | 'draft' | null>(null);
  const lastSubmission = useRef<Submission | null>(null);

  const choosePatient = (p: Patient | null) => {
    setPatient(p);
    setPatientError('');
  };

  const send = async (draft: boolean) => {
    let v: Values;
    const toPatient = (text: string) => {
      setPatientError(text);
      window.scrollTo({ top: 0, behavior: 'smooth' });
    };
    try {
      v = await form.validateFields();
    } catch (err) {
      const first = (err as { errorFields?: { name: (string | number)[] }[] }).errorFields?.[0];
      if (!patient) toPatient(t('referralForm.needPatient'));
      else if (first) form.scrollToField(first.name, { block: 'center' });
      return;
    }
    if (!patient) {
      toPatient(t('referralForm.needPatient'));
      return;
    }
    if (!draft && !referralConsent) {
      toPatient(t('referralForm.needConsent'));
      return;
    }
    const down = v.direction === 'down';
    const input: ReferralInput = {
      patientId: patient.id,
      direction: v.direction,
      urgency: v.urgency,
      receiverInstitutionId: v.receiverInstitutionId,
      receiverDepartment: v.receiverDepartment?.trim() || undefined,
      reason: v.reason.trim(),
      summary: v.summary.trim(),
      diagnoses: v.diagnoses ?? [],
      riskGrade: v.riskGrade,
      unstable: !!v.unstable,
      medication: v.medication?.trim() ?? '',
      subSpecialty: v.subSpecialty || undefined,
      dischargeSummary: down ? (v.dischargeSummary?.trim() ?? '') : undefined,
      medicationPlan: down ? (v.medicationPlan?.trim() ?? '') : undefined,
      followUpPlan: down ? (v.followUpPlan?.trim() ?? '') : undefined,
      draft: draft || undefined,
    };
    // One key per submission; a retry of the same body reuses it, so no duplicate is made.
    const sub = submissionFor(lastSubmission.current, JSON.stringify(input), randomKey);
    lastSubmission.current = sub;
    setBusy(draft ? 'draft' : 'submit');
    try {
      const r = await createReferral(input, sub.key);
      for (const f of files) {
        try {
          await uploadAttachment(r.id, f);
        } catch (e) {
          message.error(t('referralForm.uploadFailed', { name: f.name, error: errorText(e, t('common.failed')) }));
        }
      }
      message.success(t(draft ? 'referralForm.draftSaved' : 'referralForm.created'));
      navigate(`/referrals/${r.id}`);
    } catch (e) {
      const placed = placeError(e, ['patientId'], t('common.failed'));
      if (placed.field === 'patientId') toPatient(placed.message);
      else showFormError(form, e, FIELDS, t('common.failed'), (m) => message.error(m));
    } finally {
      setBusy(null);
    }
  };

  const uploadList: UploadFile[] = files.map((f, i) => ({ uid: `${i}-${f.name}`, name: f.name, status: 'done' }));

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="referral-form-page">
      <Space wrap>
        <Link to="/referrals">
          <Button icon={<ArrowLeftOutlined />}>{t('referral.back')}</Button>
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('referralForm.title')}
        </Typography.Title>
      </Space>

      <Card title={t('referralForm.patientSection')} data-testid="referral-patient-card">
        <Row gutter={[16, 12]} align="middle">
          <Col xs={24} lg={16}>
            <PatientSelect
              value={patient}
              onChange={choosePatient}
              status={patientError ? 'error' : undefined}
              data-testid="referral-patient"
            />
          </Col>
          <Col xs={24} lg={8}>
            <Button icon={<PlusOutlined />} onClick={() => setRegistering(true)} data-testid="referral-register-patient">
              {t('referralForm.registerPatient')}
            </Button>
          </Col>
        </Row>
        {patientError ? (
          <Typography.Text type="danger" data-testid="referral-patient-error">
            {patientError}
          </Typography.Text>
        ) : null}
        {patient && !consents.loading ? (
          referralConsent ? (
            <Alert
              style={{ marginTop: 12 }}
              type="success"
              showIcon
              data-testid="referral-consent-ok"
              title={t('referralForm.consentOk', { signer: referralConsent.signerName, date: referralConsent.signedOn })}
            />
          ) : (
            <div style={{ marginTop: 12 }}>
              <Alert type="warning" showIcon data-testid="referral-consent-missing" title={t('referralForm.consentMissing')} />
              <div style={{ maxWidth: 520, marginTop: 12 }}>
                <ConsentForm
                  patientId={patient.id}
                  onAdded={() => {
                    setPatientError('');
                    consents.reload();
                  }}
                />
              </div>
            </div>
          )
        ) : null}
      </Card>

      <Form<Values>
        form={form}
        layout="vertical"
        data-testid="referral-form"
        initialValues={{ direction: defaultDirection(me.institution?.level), urgency: 'routine', unstable: false, diagnoses: [] }}
        onFinish={() => void send(false)}
      >
        <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
          <Card title={t('referralForm.receiverSection')}>
            <Row gutter={16}>
              <Col {...half}>
                <Form.Item name="direction" label={t('field.direction')} rules={[{ required: true }]}>
                  <Radio.Group
                    optionType="button"
                    buttonStyle="solid"
                    options={enumOptions(t, 'dir')}
                    data-testid="referral-direction"
                  />
                </Form.Item>
              </Col>
              <Col {...half}>
                <Form.Item name="subSpecialty" label={t('field.subSpecialty')}>
                  <Select
                    allowClear
                    placeholder={t('referralForm.anySubSpecialty')}
                    options={enumOptions(t, 'sub')}
                    data-testid="referral-subSpecialty"
                  />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item
              name="receiverInstitutionId"
              label={t('field.receiver')}
              extra={t('referralForm.receiverHint')}
              rules={[{ required: true, message: t('referralForm.selectReceiver') }]}
            >
              <ReceiverPicker suggestions={suggestions.data ?? []} loading={suggestions.loading} />
            </Form.Item>
            <Form.Item name="receiverDepartment" label={t('field.receiverDepartment')}>
              <Input maxLength={100} data-testid="referral-receiverDepartment" />
            </Form.Item>
          </Card>

          <Card title={t('referralForm.clinicalSection')}>
            <Form.Item name="reason" label={t('field.reason')} rules={[{ required: true, whitespace: true }]}>
              <Input maxLength={500} data-testid="referral-reason" />
            </Form.Item>
            <Form.Item name="summary" label={t('field.summary')} rules={[{ required: true, whitespace: true }]}>
              <Input.TextArea rows={4} maxLength={8000} data-testid="referral-summary" />
            </Form.Item>
            <Form.Item name="diagnoses" label={t('field.diagnoses')}>
              <Icd10Select data-testid="referral-diagnoses" />
            </Form.Item>
            <Row gutter={16}>
              <Col {...half}>
                <Form.Item name="riskGrade" label={t('field.riskGrade')} rules={[{ required: true }]}>
                  <Select
                    options={enumOptions(t, 'risk')}
                    data-testid="referral-riskGrade"
                    popupMatchSelectWidth={false}
                  />
                </Form.Item>
              </Col>
              <Col {...half}>
                <Form.Item name="unstable" label={t('field.unstable')} valuePropName="checked">
                  <Checkbox data-testid="referral-unstable">{t('field.unstableHint')}</Checkbox>
                </Form.Item>
              </Col>
            </Row>
            {fastTrack ? (
              <Alert
                type="error"
                showIcon
                icon={<ThunderboltFilled />}
                style={{ marginBottom: 16 }}
                data-testid="fast-track-suggestion"
                title={t('referralForm.fastTrackProposed', { why })}
              />
            ) : null}
            <Form.Item name="urgency" label={t('field.urgency')} rules={[{ required: true }]}>
              <Radio.Group
                optionType="button"
                buttonStyle="solid"
                options={enumOptions(t, 'urgency')}
                data-testid="referral-urgency"
              />
            </Form.Item>
            {fastTrack && urgency && urgency !== 'fast_track' ? (
              <Alert
                type="warning"
                showIcon
                style={{ marginBottom: 16 }}
                data-testid="fast-track-declined"
                title={t('referralForm.fastTrackDeclined')}
              />
            ) : null}
            <Form.Item name="medication" label={t('field.medication')}>
              <Input.TextArea rows={2} maxLength={2000} data-testid="referral-medication" />
            </Form.Item>
          </Card>

          {direction === 'down' ? (
            <Card title={t('referralForm.downwardSection')} data-testid="referral-downward">
              <Form.Item name="dischargeSummary" label={t('field.dischargeSummary')} rules={[{ required: true, whitespace: true }]}>
                <Input.TextArea rows={4} maxLength={8000} data-testid="referral-dischargeSummary" />
              </Form.Item>
              <Form.Item name="medicationPlan" label={t('field.medicationPlan')} rules={[{ required: true, whitespace: true }]}>
                <Input.TextArea rows={3} maxLength={4000} data-testid="referral-medicationPlan" />
              </Form.Item>
              <Form.Item name="followUpPlan" label={t('field.followUpPlan')} rules={[{ required: true, whitespace: true }]}>
                <Input.TextArea rows={3} maxLength={4000} data-testid="referral-followUpPlan" />
              </Form.Item>
            </Card>
          ) : null}

          <Card title={t('field.attachments')} data-testid="referral-form-attachments">
            <Upload
              multiple
              accept={ATTACHMENT_TYPES.join(',')}
              fileList={uploadList}
              beforeUpload={(file) => {
                if (!acceptableAttachment(file)) message.error(t('referralForm.attachmentRejected', { name: file.name }));
                else setFiles((prev) => [...prev, file]);
                return false;
              }}
              onRemove={(f) => {
                setFiles((prev) => prev.filter((_, i) => `${i}-${prev[i].name}` !== f.uid));
                return true;
              }}
            >
              <Button icon={<UploadOutlined />}>{t('referralForm.chooseFiles')}</Button>
            </Upload>
            <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8 }}>
              {t('referralForm.attachmentsHint')}
            </Typography.Text>
          </Card>

          <Space wrap>
            <Button
              type="primary"
              loading={busy === 'submit'}
              disabled={busy !== null}
              onClick={() => void send(false)}
              data-testid="referral-submit"
            >
              {t('referralForm.submit')}
            </Button>
            <Button onClick={() => void send(true)} loading={busy === 'draft'} disabled={busy !== null} data-testid="referral-save-draft">
              {t('referralForm.saveDraft')}
            </Button>
            {direction ? (
              <Typography.Text type="secondary">
                {enumLabel(t, 'dir', direction)}
                {urgency ? ` · ${enumLabel(t, 'urgency', urgency)}` : ''}
              </Typography.Text>
            ) : null}
          </Space>
        </Space>
      </Form>

      <PatientFormModal
        open={registering}
        onClose={() => setRegistering(false)}
        onSaved={(p) => {
          setRegistering(false);
          choosePatient(p);
        }}
      />
    </Space>
  );
}
