// A 403 names the permission that was missing, in RBAC's own terms: verb, resource (with its group and
// subresource) and namespace, from the authorizer's sentence or, when another authorizer spoke, the request.
import { KubeApiError, describeMissingPermission } from '@swiss-deploy/kube';
import type { Status } from '../../../packages/kube/types';

const forbidden = (message: string): Status => ({
  kind: 'Status',
  status: 'Failure',
  reason: 'Forbidden',
  code: 403,
  message,
});

describe('the permission a 403 lacked', () => {
  it.each([
    [
      'services "shop" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch resource "services" in API group "" in the namespace "shop-prod"',
      'cannot patch services in namespace shop-prod',
    ],
    [
      'leases.coordination.k8s.io is forbidden: User "system:serviceaccount:ci:deployer" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "shop"',
      'cannot create leases.coordination.k8s.io in namespace shop',
    ],
    [
      'deployments.apps "shop-blue" is forbidden: User "u" cannot patch resource "deployments/scale" in API group "apps" in the namespace "shop"',
      'cannot patch deployments.apps/scale in namespace shop',
    ],
    [
      'namespaces "shop" is forbidden: User "u" cannot get resource "namespaces" in API group "" at the cluster scope',
      'cannot get namespaces (cluster-wide)',
    ],
  ])('reads the RBAC authorizer: %s', (message, expected) => {
    const error = new KubeApiError('PATCH', '/whatever', 403, forbidden(message), 'forbidden');
    expect(describeMissingPermission(error.missingPermission!)).toBe(expected);
  });

  it.each([
    [
      'PATCH',
      '/api/v1/namespaces/shop/services/shop?fieldManager=swiss-deploy',
      'cannot patch services in namespace shop',
    ],
    ['GET', '/apis/apps/v1/namespaces/shop/deployments', 'cannot list deployments.apps in namespace shop'],
    ['WATCH', '/api/v1/namespaces/shop/pods', 'cannot watch pods in namespace shop'],
    ['GET', '/api/v1/namespaces/shop/secrets/x', 'cannot get secrets in namespace shop'],
    [
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/a%2Db/leases',
      'cannot create leases.coordination.k8s.io in namespace a-b',
    ],
    ['DELETE', '/api/v1/namespaces/shop/configmaps', 'cannot deletecollection configmaps in namespace shop'],
    [
      'PUT',
      '/apis/apps/v1/namespaces/shop/deployments/web/scale',
      'cannot update deployments.apps/scale in namespace shop',
    ],
    ['GET', '/api/v1/namespaces/shop', 'cannot get namespaces (cluster-wide)'],
  ])('falls back to the request %s %s', (method, path, expected) => {
    const error = new KubeApiError(method, path, 403, forbidden('denied by policy webhook'), 'forbidden');
    expect(describeMissingPermission(error.missingPermission!)).toBe(expected);
  });

  it('is only asked of a 403', () => {
    const error = new KubeApiError('GET', '/api/v1/namespaces/shop/services/x', 404, undefined, 'not found');
    expect(error.missingPermission).toBeUndefined();
  });
});
