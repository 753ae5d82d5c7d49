import { App, Form, Input, InputNumber, Select } from 'antd';
import { createInstitution, updateInstitution } from '../api/directory';
import type { Institution, InstitutionInput } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumOptions } from '../i18n/enums';
import { showFormError } from '../utils/formErrors';
import { FormModal } from './FormModal';
import { RegionSelect } from './RegionSelect';

const FIELDS = ['name', 'level', 'kind', 'regionCode', 'subSpecialties', 'beds'] as const;

interface Props {
  open: boolean;
  /** the institution to edit; undefined = create */
  editing?: Institution;
  onClose: () => void;
  onSaved: (inst: Institution) => void;
}

export function InstitutionFormModal({ open, editing, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<InstitutionInput>();

  const initial: Partial<InstitutionInput> = editing
    ? {
        name: editing.name,
        level: editing.level,
        kind: editing.kind,
        regionCode: editing.regionCode,
        subSpecialties: editing.subSpecialties ?? [],
        beds: editing.beds,
      }
    : { subSpecialties: [], beds: 0 };

  const submit = async (v: InstitutionInput) => {
    const body: InstitutionInput = { ...v, name: v.name.trim(), subSpecialties: v.subSpecialties ?? [], beds: v.beds ?? 0 };
    try {
      const saved = editing ? await updateInstitution(editing.id, body) : await createInstitution(body);
      message.success(editing ? t('common.saved') : t('institutions.created'));
      onSaved(saved);
    } catch (e) {
      showFormError(form, e, FIELDS, t('common.failed'), (m) => message.error(m));
      throw e;
    }
  };

  return (
    <FormModal<InstitutionInput>
      open={open}
      title={editing ? t('institutions.edit') : t('institutions.add')}
      testId="institution"
      form={form}
      initialValues={initial}
      onCancel={onClose}
      onSubmit={submit}
    >
      <Form.Item name="name" label={t('field.name')} rules={[{ required: true, whitespace: true }]}>
        <Input maxLength={128} data-testid="institution-name" />
      </Form.Item>
      <Form.Item name="level" label={t('field.level')} rules={[{ required: true }]}>
        <Select options={enumOptions(t, 'level')} data-testid="institution-level" />
      </Form.Item>
      <Form.Item name="kind" label={t('field.kind')} rules={[{ required: true }]}>
        <Select options={enumOptions(t, 'kind')} data-testid="institution-kind" />
      </Form.Item>
      <Form.Item name="regionCode" label={t('field.region')} rules={[{ required: true }]}>
        <RegionSelect data-testid="institution-region" />
      </Form.Item>
      <Form.Item name="subSpecialties" label={t('field.subSpecialties')}>
        <Select mode="multiple" options={enumOptions(t, 'sub')} data-testid="institution-subSpecialties" />
      </Form.Item>
      <Form.Item name="beds" label={t('field.beds')} rules={[{ required: true }]}>
        <InputNumber min={0} max={100000} precision={0} style={{ width: '100%' }} data-testid="institution-beds" />
      </Form.Item>
    </FormModal>
  );
}
