/** Each audit event type in words: a label for a timeline entry and a past participle for a
 * sentence ("… was signed by you"). An unknown type is shown as it is named. */
const EVENT_TYPES: Record<string, { label: string; done: string }> = {
  "contract.created": { label: "Created", done: "created" },
  "contract.updated": { label: "Draft edited", done: "edited" },
  "contract.submitted": { label: "Submitted for signing", done: "submitted for signing" },
  "contract.changes_requested": { label: "Changes requested", done: "sent back for changes" },
  "contract.signed": { label: "Signed", done: "signed" },
  "contract.activated": { label: "Activated", done: "activated" },
  "contract.completed": { label: "Completed", done: "completed" },
  "contract.terminated": { label: "Terminated", done: "terminated" },
  "contract.expired": { label: "Expired", done: "expired" },
  "contract.attachment_added": { label: "Attachment added", done: "given an attachment" },
  "contract.reminder": { label: "Reminder", done: "reminded" },
};

export function eventLabel(type: string): string {
  return EVENT_TYPES[type]?.label ?? type;
}

export function eventDone(type: string): string {
  return EVENT_TYPES[type]?.done ?? type;
}
