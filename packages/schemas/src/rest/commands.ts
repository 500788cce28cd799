import { Type } from 'typebox';
import { limits } from '../limits.ts';
import { CommandAck } from '../messages.ts';
import { CommandName, DeviceId } from '../primitives.ts';

/** The longest a caller may wait for a device's ack of a command. */
const MAX_COMMAND_WAIT_MS = 30_000;

export const CommandParams = Type.Object({ id: DeviceId, name: CommandName });

export const CommandRequest = Type.Object(
  {
    args: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        maxProperties: limits.maxCommandArgs,
        description: 'Command arguments; {} when omitted',
      }),
    ),
    waitMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_COMMAND_WAIT_MS,
        description: 'Wait this long for the device’s ack (200) instead of answering at once (202)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** 200: the device acknowledged the command within `waitMs`. */
export const CommandAcked = Type.Object({ id: Type.String(), ack: CommandAck });

/** 202: the command was published; nobody waited for its ack. */
export const CommandSent = Type.Object({ id: Type.String() });
