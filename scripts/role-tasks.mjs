// Writes the build role's tasks from ltsp_image's options schema, so every option can be declared per image in ltsp_images
// (or for all of a host's images as ltsp_OPTION) without the option list being written twice.

/** Options that only make sense per image: no host-wide ltsp_OPTION fallback. */
const PER_IMAGE = new Set(['name', 'image_name']);

function value(option) {
  if (option === 'name') return '"{{ item.name }}"';
  if (PER_IMAGE.has(option)) return `"{{ item.${option} | default(omit) }}"`;
  return `"{{ item.${option} | default(ltsp_${option} | default(omit)) }}"`;
}

export function roleBuildTasks(schema, banner) {
  const options = Object.keys(schema.definitions.options.properties);
  const args = options.map((o) => `    ${o}: ${value(o)}`).join('\n');
  const known = options.map((o) => `      - ${o}`).join('\n');
  return `${banner}# Each ltsp_images entry is a dict of ltsp_image options; a host or group var ltsp_OPTION sets an option for all its images.
- name: Check the declared images
  ansible.builtin.assert:
    that:
      - ltsp_images is sequence
      - ltsp_images | rejectattr('name', 'defined') | list | length == 0
      - ltsp_images | map('list') | flatten | unique | difference(ltsp_image_options) | length == 0
    fail_msg: >-
      Every ltsp_images entry needs a name and may only hold ltsp_image options;
      unknown: {{ ltsp_images | map('list') | flatten | unique | difference(ltsp_image_options) | join(', ') or 'none' }}
    quiet: true
  vars:
    ltsp_image_options:
${known}

- name: Build the declared images (ltsp_image rebuilds only what changed)
  ltsp.images.ltsp_image:
${args}
  loop: "{{ ltsp_images }}"
  loop_control:
    label: "{{ item.image_name | default((item.name | string).split(',')[0] | basename) }}"
  # Check mode cannot run async; without ltsp_async the build holds the connection.
  async: "{{ 0 if ansible_check_mode else ltsp_async | int }}"
  poll: "{{ ltsp_poll | int }}"
  register: ltsp_build
  # A failed image must not stop the others, the menu or the report, nor print its result as JSON: the report below
  # tells a failure by the module's rc (or a result that is not ltsp_image's) and fails the host once, with its line.
  failed_when: false
`;
}
