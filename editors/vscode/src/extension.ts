// The virtc extension: `.virt` files get a TextMate grammar (syntaxes/) and the virtc language
// server, started as `virtc lsp` (the `virtc.path` setting names the executable).
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function startClient(): LanguageClient {
  const command = vscode.workspace.getConfiguration("virtc").get<string>("path") || "virtc";
  // TransportKind.stdio adds `--stdio`, which `virtc lsp` accepts.
  const serverOptions: ServerOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "virt" },
      { scheme: "untitled", language: "virt" },
    ],
    synchronize: {
      // Policies used by open ones may change on disk.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.virt"),
    },
  };
  return new LanguageClient("virtc", "virtc", serverOptions, clientOptions);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  client = startClient();
  context.subscriptions.push(
    vscode.commands.registerCommand("virtc.restartServer", async () => {
      await client?.stop();
      client = startClient();
      await client.start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("virtc.path")) {
        await vscode.commands.executeCommand("virtc.restartServer");
      }
    }),
  );
  try {
    await client.start();
  } catch (error) {
    void vscode.window.showErrorMessage(
      `virtc: cannot start the language server (\`${
        vscode.workspace.getConfiguration("virtc").get<string>("path") || "virtc"
      } lsp\`): ${error}. Install virtc or set \`virtc.path\`.`,
    );
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
