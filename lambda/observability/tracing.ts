// X-Ray subsegments around the two calls that leave the function: the SSM refresh and the
// model call. The code that makes those calls only sees `Traced`, so it runs the same with
// tracing off (tests, local mode) and needs no X-Ray types.
import type { Tracer } from '@aws-lambda-powertools/tracer';

export type Annotate = (key: string, value: string | number | boolean) => void;

/** Runs `work` inside a subsegment called `name`; `annotate` adds indexed annotations to it. */
export type Traced = <T>(name: string, work: (annotate: Annotate) => Promise<T>) => Promise<T>;

const ignore: Annotate = () => {};

export const untraced: Traced = (_name, work) => work(ignore);

/**
 * Subsegments under the segment current when the call starts (captureLambdaHandler's handler
 * subsegment). A failure marks the subsegment as a fault without recording the error: an
 * SDK's or a socket's message may name a host or a parameter, and the annotations already say
 * what failed.
 */
export function xraySubsegments(tracer: Tracer): Traced {
  return async (name, work) => {
    if (!tracer.isTracingEnabled()) return work(ignore);
    const parent = tracer.getSegment();
    if (parent === undefined) return work(ignore);
    const subsegment = parent.addNewSubsegment(name);
    tracer.setSegment(subsegment);
    try {
      return await work((key, value) => subsegment.addAnnotation(key, value));
    } catch (error) {
      subsegment.addFaultFlag();
      throw error;
    } finally {
      subsegment.close();
      // A refresh may outlive the request that started it: put the parent back only if
      // nothing has moved on since, never over a later invocation's segment. When invocations
      // share a thread (AWS_LAMBDA_MAX_CONCURRENCY set, as on LMI), Powertools keeps the active
      // segment per invocation in the InvokeStore, so getSegment and setSegment here only ever
      // see this invocation's segments.
      if (tracer.getSegment() === subsegment) tracer.setSegment(parent);
    }
  };
}
