import { analysisAsked } from '@swiss-deploy/kit';

describe('whether a deploy entry loads the metric analysis', () => {
  it('does not when no analysis input is set and there is no bake window', () => {
    expect(analysisAsked({ analysis: undefined, 'prometheus-url': '', bake: 0, app: 'shop' })).toBe(false);
  });

  it.each([
    'analysis',
    'prometheus-url',
    'prometheus-token',
    'prometheus-username',
    'prometheus-password',
    'prometheus-ca',
  ])('does when %s is set alone, so the planner can say what goes with it', (name) => {
    expect(analysisAsked({ [name]: 'x', bake: 0 })).toBe(true);
  });

  it('does when only a bake window is given', () => {
    expect(analysisAsked({ bake: 60_000 })).toBe(true);
  });
});
