/**
 * A small interpreter for the Pass and Choice states of a JSONPath
 * definition: enough to follow the stuck-run closer from an event to the
 * task it would call, and to read that task's resolved parameters. It knows
 * the intrinsic functions States.StringToJson and States.Format, and the
 * comparison operators the closer uses; anything else throws, so a test never
 * passes on a state it could not read.
 */

export interface WalkResult {
  /** The state where the walk stopped: the first Task, Succeed or Fail. */
  readonly stoppedAt: string;
  readonly type: string;
  /** The state input at that state. */
  readonly input: any;
  /** For a Task, its Parameters with every `.$` field resolved. */
  readonly parameters?: any;
  /** The states passed through, in order. */
  readonly path: string[];
}

export function walkUntilTask(definition: any, input: any, context: any = {}): WalkResult {
  let name: string = definition.StartAt;
  let data = input;
  const path: string[] = [];
  for (let step = 0; step < 100; step++) {
    path.push(name);
    const state = definition.States[name];
    switch (state.Type) {
      case 'Task':
        return { stoppedAt: name, type: state.Type, input: data, parameters: resolve(state.Parameters, data, context), path };
      case 'Succeed':
      case 'Fail':
        return { stoppedAt: name, type: state.Type, input: data, path };
      case 'Pass': {
        const result = state.Parameters !== undefined ? resolve(state.Parameters, data, context) : state.Result !== undefined ? state.Result : data;
        data = applyResultPath(data, state.ResultPath, result);
        name = state.Next;
        break;
      }
      case 'Choice': {
        const rule = (state.Choices as any[]).find(choice => matches(choice, data));
        name = rule ? rule.Next : state.Default;
        if (name === undefined) throw new Error('no choice matched and there is no Default');
        break;
      }
      default:
        throw new Error(`cannot walk a ${state.Type} state (${name})`);
    }
  }
  throw new Error('the walk did not stop within 100 states');
}

function resolve(template: any, data: any, context: any): any {
  if (Array.isArray(template)) return template.map(item => resolve(item, data, context));
  if (template === null || typeof template !== 'object') return template;
  const out: any = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = evaluate(value as string, data, context);
    else out[key] = resolve(value, data, context);
  }
  return out;
}

function evaluate(expression: string, data: any, context: any): any {
  const call = /^(States\.[A-Za-z]+)\((.*)\)$/s.exec(expression.trim());
  if (!call) return read(expression, data, context);
  const args = splitArguments(call[2]).map(arg => arg.startsWith("'")
    ? arg.slice(1, -1).replace(/\\(.)/g, '$1')
    : evaluate(arg, data, context));
  switch (call[1]) {
    case 'States.StringToJson':
      return JSON.parse(args[0]);
    case 'States.Format': {
      let index = 1;
      return (args[0] as string).replace(/\{\}/g, () => String(args[index++]));
    }
    default:
      throw new Error(`unknown intrinsic function ${call[1]}`);
  }
}

function splitArguments(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      current += c;
      if (c === '\\') current += text[++i];
      else if (c === "'") quoted = false;
      continue;
    }
    if (c === "'") quoted = true;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim()) args.push(current.trim());
  return args;
}

function read(path: string, data: any, context: any): any {
  const [root, rest] = path.startsWith('$$') ? [context, path.slice(2)] : [data, path.slice(1)];
  if (!path.startsWith('$')) throw new Error(`not a path: ${path}`);
  let node = root;
  for (const field of rest.split('.').filter(Boolean)) {
    if (node === null || typeof node !== 'object' || !(field in node)) return undefined;
    node = node[field];
  }
  return node;
}

function applyResultPath(data: any, resultPath: string | null | undefined, result: any): any {
  if (resultPath === null) return data;
  if (resultPath === undefined || resultPath === '$') return result;
  const copy = JSON.parse(JSON.stringify(data));
  const fields = resultPath.slice(2).split('.');
  let node = copy;
  for (const field of fields.slice(0, -1)) {
    if (node[field] === null || typeof node[field] !== 'object') node[field] = {};
    node = node[field];
  }
  node[fields[fields.length - 1]] = result;
  return copy;
}

function matches(rule: any, data: any): boolean {
  if (rule.And) return rule.And.every((r: any) => matches(r, data));
  if (rule.Or) return rule.Or.some((r: any) => matches(r, data));
  if (rule.Not) return !matches(rule.Not, data);
  const value = read(rule.Variable, data, {});
  if ('IsPresent' in rule) return (value !== undefined) === rule.IsPresent;
  // Step Functions fails a comparison on a missing path (States.Runtime); IsPresent guards it.
  if (value === undefined) throw new Error(`States.Runtime: ${rule.Variable} is not in the input`);
  if ('IsString' in rule) return (typeof value === 'string') === rule.IsString;
  if ('StringEquals' in rule) return value === rule.StringEquals;
  throw new Error(`unknown comparison in ${JSON.stringify(rule)}`);
}
