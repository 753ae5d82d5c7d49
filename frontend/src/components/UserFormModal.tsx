import { App, Form, Input, InputNumber, Select, Switch } from 'antd';
import { createUser, updateUser } from '../api/users';
import type { CreatedUser, Institution, Role, Title, User } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumOptions } from '../i18n/enums';
import { showFormError } from '../utils/formErrors';
import { FormModal } from './FormModal';

interface Values {
  username: string;
  displayName: string;
  roles: Role[];
  institutionId: string;
  title: Title;
  practiceYears: number;
  phone?: string;
  password?: string;
  disabled?: boolean;
}

const FIELDS = [
  'username',
  'displayName',
  'roles',
  'institutionId',
  'title',
  'practiceYears',
  'phone',
  'password',
  'disabled',
] as const;

interface Props {
  open: boolean;
  editing?: User;
  institutions: Institution[];
  onClose: () => void;
  /** `created` carries the initial password when the server generated one */
  onSaved: (user: User, created?: CreatedUser) => void;
}

export function UserFormModal({ open, editing, institutions, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();

  const initial: Partial<Values> = editing
    ? {
        username: editing.username,
        displayName: editing.displayName,
        roles: editing.roles,
        institutionId: editing.institutionId,
        title: editing.title,
        practiceYears: editing.practiceYears,
        phone: editing.phone,
        disabled: editing.disabled,
      }
    : { roles: ['doctor'], title: 'resident', practiceYears: 0 };

  const submit = async (v: Values) => {
    try {
      if (editing) {
        const u = await updateUser(editing.id, {
          displayName: v.displayName.trim(),
          roles: v.roles,
          title: v.title,
          practiceYears: v.practiceYears ?? 0,
          phone: v.phone?.trim() ?? '',
          disabled: !!v.disabled,
        });
        message.success(t('common.saved'));
        onSaved(u);
      } else {
        const created = await createUser({
          username: v.username.trim(),
          displayName: v.displayName.trim(),
          roles: v.roles,
          institutionId: v.institutionId,
          title: v.title,
          practiceYears: v.practiceYears ?? 0,
          ...(v.phone?.trim() ? { phone: v.phone.trim() } : {}),
          ...(v.password ? { password: v.password } : {}),
        });
        message.success(t('users.created'));
        onSaved(created.user, created);
      }
    } catch (e) {
      showFormError(form, e, FIELDS, t('common.failed'), (m) => message.error(m));
      throw e;
    }
  };

  return (
    <FormModal<Values>
      open={open}
      title={editing ? t('users.edit') : t('users.add')}
      testId="user"
      form={form}
      initialValues={initial}
      onCancel={onClose}
      onSubmit={submit}
    >
      <Form.Item name="username" label={t('field.username')} rules={[{ required: true, whitespace: true }]}>
        <Input disabled={!!editing} maxLength={64} autoComplete="off" data-testid="user-username" />
      </Form.Item>
      <Form.Item name="displayName" label={t('field.displayName')} rules={[{ required: true, whitespace: true }]}>
        <Input maxLength={64} data-testid="user-displayName" />
      </Form.Item>
      <Form.Item name="institutionId" label={t('field.institution')} rules={[{ required: true }]}>
        <Select
          disabled={!!editing}
          options={institutions.map((i) => ({ value: i.id, label: i.name }))}
          showSearch={{ optionFilterProp: 'label' }}
          data-testid="user-institution"
        />
      </Form.Item>
      <Form.Item name="roles" label={t('field.roles')} rules={[{ required: true }]}>
        <Select mode="multiple" options={enumOptions(t, 'role')} data-testid="user-roles" />
      </Form.Item>
      <Form.Item name="title" label={t('field.title')} rules={[{ required: true }]}>
        <Select options={enumOptions(t, 'title')} data-testid="user-title" />
      </Form.Item>
      <Form.Item name="practiceYears" label={t('field.practiceYears')}>
        <InputNumber min={0} max={80} precision={0} style={{ width: '100%' }} data-testid="user-practiceYears" />
      </Form.Item>
      <Form.Item name="phone" label={t('field.phone')}>
        <Input maxLength={32} data-testid="user-phone" />
      </Form.Item>
      {editing ? (
        <Form.Item name="disabled" label={t('users.disable')} valuePropName="checked">
          <Switch data-testid="user-disabled" />
        </Form.Item>
      ) : (
        <Form.Item
          name="password"
          label={t('field.password')}
          extra={t('users.passwordOptional')}
          rules={[{ min: 10, message: t('profile.passwordTooShort') }]}
        >
          <Input.Password autoComplete="new-password" data-testid="user-password" />
        </Form.Item>
      )}
    </FormModal>
  );
}
