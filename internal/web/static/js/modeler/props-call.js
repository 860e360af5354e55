// Call activities: the code of the process the activity calls (docs/bpmn.md, Call activities).

import { note, section, textField } from './props-ui.js';

// callActivity edits calledElement, the code of the called Parley process. A pinned version
// and the variable mappings are written in the file (parley:call, parley:in, parley:out or
// their Zeebe equivalents); the panel says so rather than hiding them.
export function callActivity(ctx) {
  const { model, shape, bo } = ctx;
  return [section('Call activity',
    textField({ key: 'call.process', label: 'Called process (its code)', value: bo.calledElement ?? '', placeholder: 'credit-check',
      hint: 'Starts an instance of this published process and waits until it completes; the newest published version runs.',
      onChange: (v) => model.set(shape, bo, { calledElement: v.trim() || undefined }) }),
    note('Without mappings, variables of the same name and type pass down and back. A pinned version and input or output mappings (parley:call version, parley:in, parley:out, zeebe:ioMapping) are written in the file.'))];
}
