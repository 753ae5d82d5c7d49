import { App, DatePicker, Form, Select } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { addMember, updateMember } from '../api/directory';
import type { Institution, Membership, MembershipRole, User } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumOptions } from '../i18n/enums';
import { showFormError, toDateString } from '../utils/formErrors';
import { FormModal } from './FormModal';
import { UserSelect } from './UserSelect';

interface Values {
  institutionId: string;
  role: MembershipRole;
  joinedOn: Dayjs;
  convenerUserId?: string;
  subRegionalExpertUserId?: string;
}

const FIELDS = ['institutionId', 'role', 'joinedOn', 'convenerUserId', 'subRegionalExpertUserId'] as const;

interface Props {
  open: boolean;
  allianceId: string;
  /** the membership to edit; undefined = add */
  editing?: Membership;
  /** institutions that are not yet members (for adding) */
  candidates: Institution[];
  users: User[];
  onClose: () => void;
  onSaved: (m: Membership) => void;
}

export function MemberFormModal({ open, allianceId, editing, candidates, users, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();

  const initial: Partial<Values> = editing
    ? {
        institutionId: editing.institutionId,
        role: editing.role,
        joinedOn: editing.joinedOn ? dayjs(editing.joinedOn) : undefined,
        convenerUserId: editing.convenerUserId ?? undefined,
        subRegionalExpertUserId: editing.subRegionalExpertUserId ?? undefined,
      }
    : { role: 'member', joinedOn: dayjs() };

  const submit = async (v: Values) => {
    try {
      const saved = editing
        ? await updateMember(allianceId, editing.institutionId, {
            role: v.role,
            convenerUserId: v.convenerUserId ?? null,
            subRegionalExpertUserId: v.subRegionalExpertUserId ?? null,
          })
        : await addMember(allianceId, {
            institutionId: v.institutionId,
            role: v.role,
            joinedOn: toDateString(v.joinedOn),
            ...(v.convenerUserId ? { convenerUserId: v.convenerUserId } : {}),
            ...(v.subRegionalExpertUserId ? { subRegionalExpertUserId: v.subRegionalExpertUserId } : {}),
          });
      message.success(editing ? t('common.saved') : t('members.added'));
      onSaved(saved);
    } catch (e) {
      showFormError(form, e, FIELDS, t('common.failed'), (m) => message.error(m));
      throw e;
    }
  };

  const institutionOptions = editing
    ? [{ value: editing.institutionId, label: editing.institution?.name ?? editing.institutionId }]
    : candidates.map((i) => ({ value: i.id, label: i.name }));

  return (
    <FormModal<Values>
      open={open}
      title={editing ? t('members.edit') : t('members.add')}
      testId="member"
      form={form}
      initialValues={initial}
      onCancel={onClose}
      onSubmit={submit}
    >
      <Form.Item name="institutionId" label={t('field.institution')} rules={[{ required: true }]}>
        <Select
          disabled={!!editing}
          options={institutionOptions}
          showSearch={{ optionFilterProp: 'label' }}
          notFoundContent={t('members.noCandidates')}
          data-testid="member-institution"
        />
      </Form.Item>
      <Form.Item name="role" label={t('field.memberRole')} rules={[{ required: true }]}>
        <Select options={enumOptions(t, 'mrole')} data-testid="member-role" />
      </Form.Item>
      <Form.Item name="joinedOn" label={t('field.joinedOn')} rules={[{ required: true }]}>
        <DatePicker disabled={!!editing} style={{ width: '100%' }} data-testid="member-joinedOn" />
      </Form.Item>
      <Form.Item name="convenerUserId" label={t('field.convener')}>
        <UserSelect users={users} data-testid="member-convener" />
      </Form.Item>
      <Form.Item name="subRegionalExpertUserId" label={t('field.subRegionalExpert')}>
        <UserSelect users={users} data-testid="member-expert" />
      </Form.Item>
    </FormModal>
  );
}
