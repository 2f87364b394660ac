import * as path from 'node:path';
import { ExecError, UserError, WorldError } from '@swiss-deploy/kit';
import { explainHelmFailure, templateLocation } from '../../../packages/helm/helm-errors';

function helmFailed(stderr: string): ExecError {
  return new ExecError('helm failed', { exitCode: 1, stdout: '', stderr, durationMs: 5 });
}

const chart = { name: 'shop', dir: '/w/deploy/chart', workspace: '/w' };

describe("reading helm's errors", () => {
  it('finds the template file and line in helm 4 and helm 3 wording', () => {
    expect(
      templateLocation(
        'shop/templates/deployment.yaml:12:20\n  executing "shop/templates/deployment.yaml" at <.Values.x.y>',
      ),
    ).toEqual({
      template: 'shop/templates/deployment.yaml',
      line: 12,
      column: 20,
    });
    expect(
      templateLocation('template: shop/templates/_helpers.tpl:3:4: executing "shop.name" at <x>'),
    ).toEqual({
      template: 'shop/templates/_helpers.tpl',
      line: 3,
      column: 4,
    });
    expect(templateLocation('execution error at (shop/templates/cm.yaml:7:6): boom')).toMatchObject({
      template: 'shop/templates/cm.yaml',
      line: 7,
    });
    expect(templateLocation('parse error at (shop/templates/cm.yaml:1): missing value for if')).toEqual({
      template: 'shop/templates/cm.yaml',
      line: 1,
    });
    expect(
      templateLocation('YAML parse error on shop/templates/cm.yaml: error converting YAML to JSON'),
    ).toEqual({
      template: 'shop/templates/cm.yaml',
    });
  });

  it('turns a template error into a user error annotated on the template file in the workspace', () => {
    const error = explainHelmFailure(
      helmFailed(
        'Error: execution error at (shop/templates/cm.yaml:7:6): boom\n\nUse --debug flag to render out invalid YAML\n',
      ),
      'template',
      chart,
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      'The chart does not render: execution error at (shop/templates/cm.yaml:7:6): boom',
    );
    expect((error as UserError).location).toEqual({
      file: path.join('deploy', 'chart', 'templates', 'cm.yaml'),
      line: 7,
      column: 6,
    });
  });

  it('names the values a chart schema refuses', () => {
    const error = explainHelmFailure(
      helmFailed(
        "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nshop:\n- at '/replicaCount': got string, want integer\n",
      ),
      'template',
      chart,
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain("- at '/replicaCount': got string, want integer");
  });

  it('tells a missing chart from a registry that is down', () => {
    expect(
      explainHelmFailure(helmFailed('Error: oci://r.io/charts/web:9.9.9: not found'), 'pull'),
    ).toBeInstanceOf(UserError);
    expect(
      explainHelmFailure(
        helmFailed('Error: Get "https://r.io/v2/": dial tcp 127.0.0.1:1: connect: connection refused'),
        'pull',
      ),
    ).toBeInstanceOf(WorldError);
  });
});
