import { GovshareError } from '../../platform/errors.ts';

export interface PromptStreams {
  input: NodeJS.ReadStream;
  /** Where the prompt goes: stderr, so stdout stays the command's output (a JWT, JSON). */
  output: NodeJS.WritableStream;
}

/**
 * Reads a passphrase from a terminal without echoing it (raw mode, one key at a time: backspace
 * edits, Enter ends, Ctrl-C or Ctrl-D abandons). Without a terminal there is nobody to ask:
 * WALLET_PASSPHRASE_REQUIRED, naming the variable to set instead; a pipe is never read as a
 * passphrase, because `wallet receive -` reads the credential from stdin.
 */
export function promptPassphrase(prompt: string, streams: PromptStreams): Promise<string> {
  const { input, output } = streams;
  if (!input.isTTY || typeof input.setRawMode !== 'function') {
    return Promise.reject(
      new GovshareError('WALLET_PASSPHRASE_REQUIRED', 'the wallet needs a passphrase: set GOVSHARE_WALLET_PASSPHRASE, or run on a terminal to be asked'),
    );
  }
  return new Promise((resolve, reject) => {
    let typed = '';
    const wasRaw = input.isRaw;
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') {
          return finish(new GovshareError('WALLET_PASSPHRASE_REQUIRED', 'no passphrase entered'));
        }
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    output.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
