import { z } from 'zod';
import { parseDuration } from './duration.js';

/** A duration setting (`30s`, `10m`, or milliseconds), parsed to milliseconds. */
export const durationSchema = z
  .union([z.string(), z.number()])
  .refine((v) => parseDuration(v) !== undefined, { message: 'must be a duration such as 30s, 10m, 1h or 7d' })
  .transform((v) => parseDuration(v) ?? 0);
