import { assertFuzz, built, constant, FuzzSpec, oddStrings, reportFuzzCounts, tokenStrings, wrongTypes } from '@lakehouse-cdk/testing';
import * as fc from 'fast-check';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CostAllocationTags, Naming, ResourceKind } from '../src';

afterAll(reportFuzzCounts);

const words = () => fc.oneof(
  fc.constantFrom('lakehouse', 'sandbox', 'a', 'prod-eu', 'x1').map(word => constant(JSON.stringify(word), word)),
  oddStrings(), tokenStrings(), wrongTypes(),
);

test('Naming: any props give names within the service rules, or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'Naming',
    props: {
      project: words(),
      environment: words(),
      component: words(),
      kind: fc.oneof(fc.constantFrom(...Object.values(ResourceKind)).map(kind => constant(kind, kind)), wrongTypes()),
      scope: fc.oneof(built('the stack', stack => stack), wrongTypes()),
    },
    maxFuzzed: 3,
    build: (stack, fuzzed) => {
      const props = { project: 'lakehouse', environment: 'sandbox', component: 'data-lake', kind: ResourceKind.GLUE_DATABASE, scope: stack, ...fuzzed };
      const naming = new Naming({ project: props.project as string, environment: props.environment as string });
      const kind = props.kind as ResourceKind;
      const name = naming.name(kind, props.component as string);
      const rules = Naming.rulesFor(kind);
      if (name.length > rules.maxLength || !new RegExp(`^(?:${rules.pattern})$`).test(name)) throw new Error(`${name} breaks ${rules.description}`);
      const bucket = naming.bucketName(props.scope as any, props.component as string);
      if (bucket.length > 63) throw new Error(`${bucket} is longer than 63 characters`);
    },
  };
  assertFuzz(spec);
});

test('CostAllocationTags: any props give tags AWS accepts, or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'CostAllocationTags',
    props: { project: words(), environment: words(), layer: words(), managedBy: words() },
    maxFuzzed: 2,
    // The tag checks name the tag: `Project tag`, `Environment tag`, …
    aliases: { project: ['Project'], environment: ['Environment'], layer: ['Layer'], managedBy: ['ManagedBy'] },
    build: (stack, fuzzed) => {
      CostAllocationTags.apply(stack, { project: 'lakehouse', environment: 'sandbox', ...fuzzed } as any);
      new sns.Topic(stack, 'Tagged');
    },
    rules: template => {
      for (const resource of Object.values<any>(template.toJSON().Resources)) {
        for (const tag of resource.Properties?.Tags ?? []) {
          if (typeof tag.Value === 'string' && !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u.test(tag.Value)) throw new Error(`tag ${tag.Key}=${tag.Value}`);
        }
      }
    },
  };
  assertFuzz(spec);
});
