import { KNATIVE_BROKER, KNATIVE_SERVICE, KNATIVE_TRIGGER } from '../src/_kinds';
import * as eventing from '../src/imports/eventing.knative.dev';
import * as serving from '../src/imports/serving.knative.dev';

describe('kinds', () => {
  test('equal the GVK of the generated classes they stand in for', () => {
    expect(KNATIVE_SERVICE).toEqual(serving.Service.GVK);
    expect(KNATIVE_BROKER).toEqual(eventing.Broker.GVK);
    expect(KNATIVE_TRIGGER).toEqual(eventing.Trigger.GVK);
  });
});
