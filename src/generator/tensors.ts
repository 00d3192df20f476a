/** Small helpers between state-dict entries and tf tensors. */
import * as tf from '@tensorflow/tfjs-core';
import type { StateDict } from './state.js';

/** A float32 tf tensor of state entry `key` (scalars keep shape []). */
export function stateTensor(state: StateDict, key: string): tf.Tensor {
  const e = state.get(key);
  if (!e) throw new RangeError(`state dict has no entry ${JSON.stringify(key)}`);
  const data = e.data instanceof Float32Array ? e.data : Float32Array.from(e.data);
  return tf.tensor(data, e.shape.length === 0 ? [] : e.shape, 'float32');
}

/** The float32 values of state entry `key`. */
export function stateValues(state: StateDict, key: string): Float32Array {
  const e = state.get(key);
  if (!e) throw new RangeError(`state dict has no entry ${JSON.stringify(key)}`);
  return e.data instanceof Float32Array ? e.data : Float32Array.from(e.data);
}
