import type { Logger } from 'pino';
import { findApplication } from '../applications/applications.repo';
import { readQuestionnaire } from '../applications/applications.service';
import { isDeliverableAddress } from './email.schemas';
import { adoptQuestionnaireEmail, type EmailDeps } from './email.service';

/**
 * `QUESTIONNAIRE_EMAIL_QUEUE`: a submitted application's questionnaire had an email and the
 * customer may have no address yet. A job rather than a step of the submission: the link needs
 * the public URL, and a refused or limited send must never fail the application. Idempotent: once
 * an address exists, a repeat finds it and stops.
 */
export function createQuestionnaireEmailHandler(deps: EmailDeps & { logger: Logger }) {
  return async (data: Record<string, unknown>): Promise<void> => {
    const application = await findApplication(deps.db, String(data.applicationId));
    if (!application) return;
    const address = readQuestionnaire(deps.keys, application).email?.trim();
    if (!address || !isDeliverableAddress(address)) return;
    const sent = await adoptQuestionnaireEmail(deps, application.customer_id, address);
    if (sent) deps.logger.info({ applicationId: application.id }, 'confirmation link sent to the questionnaire email');
  };
}
