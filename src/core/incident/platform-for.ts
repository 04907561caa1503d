import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import type { Incident } from './incident.js';

export function platformFor(context: CoreContext, incident: Pick<Incident, 'platform'>): ChatPlatform {
  const platform = context.platforms.get(incident.platform);
  if (!platform) throw new AppError('internal', `no chat platform "${incident.platform}" is running`);
  return platform;
}

