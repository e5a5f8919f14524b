/**
 * A minimal CRI client, as kubelet talks to containerd: gRPC over the
 * daemon's unix socket, runtime.v1.ImageService (proto/cri-image.proto).
 * Every call has a deadline.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'proto', 'cri-image.proto');

type Unary<Req, Res> = (req: Req, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall;
interface ImageServiceClient extends grpc.Client {
  PullImage: Unary<{ image: { image: string }; auth?: { username: string; password: string } }, { image_ref: string }>;
  ListImages: Unary<Record<string, never>, { images: Array<{ id: string; repo_tags: string[] }> }>;
}

export interface CriResult<T> {
  ok: boolean;
  value?: T;
  /** gRPC status code name (e.g. UNIMPLEMENTED, UNKNOWN) and message on failure. */
  code?: string;
  message?: string;
}

export function criImageService(socket: string) {
  const def = protoLoader.loadSync(PROTO, { keepCase: true, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { ImageService: new (addr: string, creds: grpc.ChannelCredentials) => ImageServiceClient } } };
  const client = new pkg.runtime.v1.ImageService(`unix://${socket}`, grpc.credentials.createInsecure());
  const call = <Req, Res>(fn: Unary<Req, Res>, req: Req, timeoutMs: number): Promise<CriResult<Res>> =>
    new Promise((resolve) => {
      fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) resolve({ ok: false, code: grpc.status[err.code], message: err.details || err.message });
        else resolve({ ok: true, value: res });
      });
    });
  return {
    pullImage: (image: string, timeoutMs = 60_000) => call(client.PullImage, { image: { image } }, timeoutMs),
    listImages: (timeoutMs = 10_000) => call(client.ListImages, {}, timeoutMs),
    close: () => client.close(),
  };
}
