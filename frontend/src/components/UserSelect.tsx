import { Select } from 'antd';
import type { SelectProps } from 'antd';
import type { User } from '../api/types';

type Props = Omit<SelectProps<string>, 'options' | 'showSearch'> & { users: User[] };

/** Searchable picker of users, labelled "name (institution)". */
export function UserSelect({ users, ...rest }: Props) {
  const options = users
    .filter((u) => !u.disabled)
    .map((u) => ({
      value: u.id,
      label: u.institution?.name ? `${u.displayName} (${u.institution.name})` : u.displayName,
      search: `${u.displayName} ${u.username} ${u.institution?.name ?? ''}`,
    }));
  return <Select<string> allowClear {...rest} options={options} showSearch={{ optionFilterProp: 'search' }} />;
}
