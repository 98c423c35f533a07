import { webHdfsContractSubject } from '../support/webhdfs-file-io-factory.js';
import { fileIOContract } from './file-io-contract.js';

// the same contract LocalFileIO and S3FileIO pass (file-io-contract.test.ts), on the test WebHDFS server
fileIOContract('WebHdfsFileIO (webhdfs://, test namenode + datanode)', webHdfsContractSubject);
