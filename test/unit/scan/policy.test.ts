import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { UserError } from '@swiss-deploy/kit';
import { POLICY_RULES } from '../../../packages/scan/policy-rules';
import { checkManifests, policySettings } from '../../../packages/scan/policy';

const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'scan', 'manifests');
const clean = readFileSync(path.join(fixtures, 'clean.yaml'), 'utf8');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Mutation = (docs: {
  networkPolicy: Obj;
  service: Obj;
  deployment: Obj;
  pod: Obj;
  web: Obj;
  init: Obj;
}) => void;

/** The clean fixture, changed by a mutation, as YAML text again. */
function mutated(mutate: Mutation): string {
  const docs = parseAllDocuments(clean).map((doc) => (doc as { toJS(): Obj }).toJS());
  const [networkPolicy, service, deployment] = docs as [Obj, Obj, Obj];
  const pod = deployment.spec.template.spec;
  mutate({ networkPolicy, service, deployment, pod, web: pod.containers[0], init: pod.initContainers[0] });
  return docs.map((doc) => `---\n${stringify(doc)}`).join('');
}

function check(text: string, policies: string[] = []) {
  return checkManifests([{ file: 'out/manifests.yaml', text }], policySettings(policies));
}

interface RuleCase {
  fires: Mutation;
  /** Text on the line the finding points at. */
  line: string;
  /** A near miss that must not fire the rule. */
  passes: Mutation;
}

const CASES: Record<string, RuleCase> = {
  SWD001: {
    fires: ({ web }) => (web.securityContext.privileged = true),
    line: 'privileged: true',
    passes: ({ web }) => (web.securityContext.privileged = false),
  },
  SWD002: {
    fires: ({ init }) => delete init.securityContext.allowPrivilegeEscalation,
    line: 'name: migrate',
    passes: ({ init }) => (init.securityContext.allowPrivilegeEscalation = false),
  },
  SWD003: {
    fires: ({ pod }) => (pod.securityContext.runAsUser = 0),
    line: 'runAsUser: 0',
    // the container's own user wins over the pod's root
    passes: ({ pod, web, init }) => {
      pod.securityContext.runAsUser = 0;
      web.securityContext.runAsUser = 1000;
      init.securityContext.runAsUser = 1000;
    },
  },
  SWD004: {
    fires: ({ pod }) => delete pod.securityContext.runAsNonRoot,
    line: 'name: migrate',
    passes: ({ pod, web, init }) => {
      delete pod.securityContext.runAsNonRoot;
      web.securityContext.runAsNonRoot = true;
      init.securityContext.runAsNonRoot = true;
    },
  },
  SWD005: {
    fires: ({ web }) => (web.securityContext.readOnlyRootFilesystem = false),
    line: 'name: web',
    passes: ({ web }) => (web.securityContext.readOnlyRootFilesystem = true),
  },
  SWD006: {
    fires: ({ pod }) => (pod.hostPID = true),
    line: 'hostPID: true',
    passes: ({ pod }) => (pod.hostPID = false),
  },
  SWD007: {
    fires: ({ pod }) => pod.volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }),
    line: 'hostPath:',
    passes: ({ pod }) => pod.volumes.push({ name: 'cache', emptyDir: { medium: 'Memory' } }),
  },
  SWD008: {
    fires: ({ web }) => delete web.resources.requests.memory,
    line: 'resources:',
    // init containers are not held to it: they run before the pod's requests apply in full
    passes: ({ init }) => (init.resources = {}),
  },
  SWD009: {
    fires: ({ web }) => delete web.resources.limits,
    line: 'resources:',
    passes: ({ web }) => (web.resources.limits = { memory: '512Mi' }),
  },
  SWD010: {
    fires: ({ web }) => delete web.readinessProbe,
    line: 'name: web',
    passes: ({ deployment, web }) => {
      // a Job runs to completion: no readiness to gate on
      delete web.readinessProbe;
      deployment.kind = 'Job';
      delete deployment.spec.replicas;
      delete deployment.spec.selector;
    },
  },
  SWD011: {
    fires: ({ web }) => delete web.livenessProbe,
    line: 'name: web',
    passes: ({ web }) => (web.livenessProbe = { tcpSocket: { port: 8080 } }),
  },
  SWD012: {
    fires: ({ web }) => (web.image = 'registry.example/shop/web:1.4.2'),
    line: 'image: registry.example/shop/web:1.4.2',
    passes: ({ web }) => (web.image = `registry.example/shop/web:1.4.2@sha256:${'a'.repeat(64)}`),
  },
  SWD013: {
    fires: ({ web }) => (web.image = 'registry.example:5000/shop/web'),
    line: 'image: registry.example:5000/shop/web',
    passes: ({ web }) => (web.image = `registry.example:5000/shop/web:latest@sha256:${'b'.repeat(64)}`),
  },
  SWD014: {
    fires: ({ networkPolicy }) =>
      (networkPolicy.spec.podSelector.matchLabels = { 'app.kubernetes.io/name': 'api' }),
    line: 'selector:',
    passes: ({ networkPolicy }) => (networkPolicy.spec.podSelector = {}),
  },
  SWD015: {
    fires: ({ web }) => (web.securityContext.capabilities.add = ['NET_BIND_SERVICE', 'SYS_ADMIN']),
    line: '- SYS_ADMIN',
    passes: ({ web }) => (web.securityContext.capabilities.add = ['NET_BIND_SERVICE']),
  },
  SWD016: {
    fires: ({ init }) => (init.securityContext.capabilities.drop = ['NET_RAW']),
    line: 'name: migrate',
    passes: ({ init }) => (init.securityContext.capabilities.drop = ['all']),
  },
  SWD017: {
    fires: ({ web }) => web.env.push({ name: 'STRIPE_API_KEY', value: 'sk_live_123' }),
    line: 'value: sk_live_123',
    passes: ({ web }) => web.env.push({ name: 'LOG_LEVEL', value: 'debug' }),
  },
  SWD018: {
    fires: ({ web }) => (web.ports[0].hostPort = 8080),
    line: 'hostPort: 8080',
    passes: ({ web }) => (web.ports[0].name = 'http'),
  },
};

describe('the native manifest policy', () => {
  it('passes a hardened Deployment, Service and NetworkPolicy with no finding at all', () => {
    expect(check(clean)).toEqual([]);
  });

  it('has a test case for every rule', () => {
    expect(Object.keys(CASES).sort()).toEqual(POLICY_RULES.map((rule) => rule.id).sort());
  });

  describe.each(POLICY_RULES.map((rule) => [rule.id, rule.title, rule] as const))(
    '%s %s',
    (id, _title, rule) => {
      const spec = CASES[id] as RuleCase;

      it('fires, pointing at the line to change, with its severity, message and fix', () => {
        const text = mutated(spec.fires);
        const findings = check(text).filter((finding) => finding.ruleId === id);
        // one finding per container the rule applies to; each case breaks it for the first one
        expect(findings.length).toBeGreaterThanOrEqual(1);
        const [finding] = findings as [(typeof findings)[number]];
        expect(finding).toMatchObject({
          kind: 'policy',
          severity: rule.severity,
          fix: rule.fix,
          tool: 'swiss-deploy',
          location: { file: 'out/manifests.yaml' },
        });
        expect(finding.message.length).toBeGreaterThan(10);
        expect(text.split('\n')[(finding.location.line as number) - 1]).toContain(spec.line);
      });

      it('does not fire on a near miss', () => {
        expect(check(mutated(spec.passes)).map((finding) => finding.ruleId)).not.toContain(id);
      });

      it('can be turned off, or given another severity', () => {
        const text = mutated(spec.fires);
        expect(check(text, [`${id}=off`]).map((f) => f.ruleId)).not.toContain(id);
        expect(check(text, [`${id.toLowerCase()}=critical`]).find((f) => f.ruleId === id)?.severity).toBe(
          'CRITICAL',
        );
      });
    },
  );

  it('names the object, the container and the Helm template a finding comes from', () => {
    const findings = check(readFileSync(path.join(fixtures, 'risky.yaml'), 'utf8'));
    const privileged = findings.find((f) => f.ruleId === 'SWD001');
    expect(privileged?.message).toBe(
      'Deployment/legacy container "app" is privileged. (from legacy/templates/deployment.yaml)',
    );
    expect(privileged?.object).toBe('Deployment/legacy');
    expect(privileged?.location.line).toBe(21);
    expect(
      findings
        .filter((f) => f.severity === 'HIGH')
        .map((f) => f.ruleId)
        .sort(),
    ).toEqual(['SWD001', 'SWD003', 'SWD006', 'SWD013', 'SWD017']);
  });

  it('matches a Service with a NetworkPolicy in another manifest file of the same namespace', () => {
    const [policy, service] = clean.split(/^---$/m).filter((doc) => doc.trim() !== '');
    const findings = checkManifests(
      [
        { file: 'a.yaml', text: service as string },
        { file: 'b.yaml', text: policy as string },
      ],
      policySettings([]),
    );
    expect(findings.map((f) => f.ruleId)).not.toContain('SWD014');
  });

  it('applies all=off then ID=on in order', () => {
    const text = readFileSync(path.join(fixtures, 'risky.yaml'), 'utf8');
    expect([...new Set(check(text, ['all=off', 'SWD001=on']).map((f) => f.ruleId))]).toEqual(['SWD001']);
  });

  it('rejects an unknown rule id or word, naming the input and what is allowed', () => {
    expect(() => policySettings(['SWD999=off'])).toThrow(UserError);
    expect(() => policySettings(['SWD001=maybe'])).toThrow(
      /Input "policies" is "SWD001=maybe": expected items ID=off/,
    );
  });

  it('reports broken YAML with its file and line', () => {
    expect(() => check('kind: Service\nmetadata:\n  name: [unclosed\n')).toThrow(
      /out\/manifests.yaml is not valid YAML at line \d/,
    );
  });
});
