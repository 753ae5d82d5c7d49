import { useState, type ReactNode } from 'react';
import { Button, Form, Modal, type FormInstance } from 'antd';
import { useI18n } from '../i18n/I18nProvider';

interface Props<T> {
  open: boolean;
  title: ReactNode;
  /** prefix for data-testid: `${testId}-form`, `${testId}-submit`, `${testId}-cancel` */
  testId: string;
  form: FormInstance<T>;
  initialValues?: Partial<T>;
  submitText?: string;
  width?: number;
  onCancel: () => void;
  /** called with validated values; throw (or reject) to keep the modal open */
  onSubmit: (values: T) => Promise<void>;
  children: ReactNode;
}

/** A modal holding one antd Form, with its own submit/cancel buttons and busy state. */
export function FormModal<T extends object>(p: Props<T>) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    let values: T;
    try {
      values = await p.form.validateFields();
    } catch {
      return; // field errors are shown by the form
    }
    setBusy(true);
    try {
      await p.onSubmit(values);
    } catch {
      /* the caller has shown the error */
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={p.open}
      title={p.title}
      width={p.width ?? 560}
      onCancel={p.onCancel}
      destroyOnHidden
      maskClosable={false}
      footer={[
        <Button key="cancel" onClick={p.onCancel} data-testid={`${p.testId}-cancel`}>
          {t('common.cancel')}
        </Button>,
        <Button key="submit" type="primary" loading={busy} onClick={submit} data-testid={`${p.testId}-submit`}>
          {p.submitText ?? t('common.save')}
        </Button>,
      ]}
    >
      <Form<T>
        form={p.form}
        layout="vertical"
        initialValues={p.initialValues}
        preserve={false}
        data-testid={`${p.testId}-form`}
        onFinish={() => void submit()}
      >
        {p.children}
        {/* lets Enter submit the form */}
        <button type="submit" hidden />
      </Form>
    </Modal>
  );
}
