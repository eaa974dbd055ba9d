package emulator

// This file is a temporary bridge to the service handlers while they are
// being written: the EC2 parts delegate to ec2.go, S3 answers "not
// implemented". Delete each part in the commit that adds its real
// constructor and serve method (ec2.go / s3.go).

import (
	"errors"
	"net/http"
)

func newEC2Service(s *Server) *ec2Service { return newEC2(s.Record) }

func (s *Server) serveEC2(w http.ResponseWriter, req *Request) { s.services.ec2.serve(w, req) }

type s3Service struct{}

func newS3Service(*Server, string) (*s3Service, error) { return &s3Service{}, nil }

func (s *Server) serveS3(w http.ResponseWriter, req *Request) {
	writeError(w, protoS3, http.StatusNotImplemented, "NotImplemented", "S3 is not implemented yet", req.RequestID)
}

func (*s3Service) BucketExists(string) bool { return false }

func (*s3Service) PutObject(string, string, map[string]string, []byte) error {
	return errors.New("S3 is not implemented yet")
}
